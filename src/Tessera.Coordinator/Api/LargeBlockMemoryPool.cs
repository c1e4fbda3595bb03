using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Tessera.Coordinator.Api;

/// <summary>
/// Kestrel's connection buffers in 128 KiB blocks instead of its default 4 KiB. The socket transport receives into one
/// block at a time, each receive after a zero-byte wait for data: with 4 KiB blocks a CNN-sized upload (6.65 MB) took
/// about 3,300 receive calls and as many pipe flushes (counted with strace), with 128 KiB blocks about a hundred. An
/// idle connection holds no block (the transport waits for data before it rents one), so idle long-polls cost what
/// they did.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}

/// <summary>Pinned 128 KiB blocks, at most <see cref="MaxPooled"/> kept for reuse; a larger request gets its own array.</summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 128 * 1024;
    /// <summary>32 MiB kept at most; blocks returned beyond that are left to the GC.</summary>
    const int MaxPooled = 256;

    readonly ConcurrentQueue<byte[]> _free = new();
    int _pooled;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize) return new Block(null, new byte[minBufferSize]);
        if (_free.TryDequeue(out var array)) Interlocked.Decrement(ref _pooled);
        else array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        return new Block(this, array);
    }

    void Return(byte[] array)
    {
        if (Interlocked.Increment(ref _pooled) > MaxPooled) { Interlocked.Decrement(ref _pooled); return; }
        _free.Enqueue(array);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    /// <summary>One rental: disposing it returns the block once, however often it is disposed.</summary>
    sealed class Block(LargeBlockMemoryPool? pool, byte[] array) : IMemoryOwner<byte>
    {
        byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } a && a.Length == BlockSize) pool?.Return(a);
        }
    }
}
