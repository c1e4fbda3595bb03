using System.Net;
using System.Net.Sockets;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// A loopback TCP proxy in front of the coordinator that keeps every byte a client sends through it, so a test can
/// prove what a worker did (and did not) send: the worker talks to <see cref="Url"/> instead of the coordinator.
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly int _target;
    // One stream per connection: concurrent connections' bytes would interleave in a shared one and split requests.
    readonly List<MemoryStream> _sent = [];
    readonly CancellationTokenSource _stop = new();
    readonly Task _accepting;

    public RecordingProxy(string coordinatorUrl)
    {
        _target = new Uri(coordinatorUrl).Port;
        _listener.Start();
        _accepting = Accept();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Everything clients sent so far (requests, headers and bodies), connection after connection.</summary>
    public byte[] Sent()
    {
        lock (_sent) return _sent.SelectMany(s => s.ToArray()).ToArray();
    }

    async Task Accept()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Relay(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    async Task Relay(TcpClient client)
    {
        using var c = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            var recorded = new MemoryStream();
            lock (_sent) _sent.Add(recorded);
            var up = Pump(c.GetStream(), server.GetStream(), recorded);
            var down = Pump(server.GetStream(), c.GetStream(), null);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException) { }
    }

    async Task Pump(Stream from, Stream to, MemoryStream? record)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (record is not null) lock (_sent) record.Write(buffer, 0, n);
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
    }
}
