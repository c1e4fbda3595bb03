using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tessera.Coordinator.Api;

namespace Tessera.Coordinator.Tests;

/// <summary>Kestrel receives uploads into 128 KiB blocks (LargeBlockMemoryPool), and a block is never handed out twice.</summary>
[Collection("coordinator")]
public sealed class LargeBlockMemoryPoolTests : InProcessCoordinatorTest
{
    [Fact]
    public void The_socket_transport_receives_into_the_large_blocks()
    {
        // SocketTransportOptions.MemoryPoolFactory is internal to Kestrel: read it as the transport does.
        var options = Host.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        var property = typeof(SocketTransportOptions).GetProperty("MemoryPoolFactory", BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotNull(property);
        var factory = Assert.IsType<LargeBlockMemoryPoolFactory>(property.GetValue(options));
        using var pool = factory.Create();
        // The pipe asks for Kestrel's 4 KiB segment; it gets a whole block, so one receive can fill 128 KiB.
        using var block = pool.Rent(4096);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, block.Memory.Length);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, pool.MaxBufferSize);
    }

    [Fact]
    public void A_rental_disposed_twice_is_returned_once_and_a_larger_request_gets_its_own_array()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        var array = ArrayOf(first);
        first.Dispose();
        first.Dispose();
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.Same(array, ArrayOf(a));          // reused
        Assert.NotSame(ArrayOf(a), ArrayOf(b));  // not handed out a second time
        using var big = pool.Rent(LargeBlockMemoryPool.BlockSize + 1);
        Assert.True(big.Memory.Length > LargeBlockMemoryPool.BlockSize);
    }

    static byte[] ArrayOf(IMemoryOwner<byte> owner) =>
        MemoryMarshal.TryGetArray<byte>(owner.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not array-backed");
}
