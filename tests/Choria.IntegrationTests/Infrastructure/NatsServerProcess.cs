using System.Net;
using System.Net.Sockets;

namespace Choria.IntegrationTests.Infrastructure;

/// <summary>A real nats-server on 127.0.0.1 and a free port, plain TCP; killed on dispose.</summary>
internal sealed class NatsServerProcess : IAsyncDisposable
{
    public const string DefaultBinary = "/usr/sbin/nats-server";

    private readonly ProcessRunner _process;

    private NatsServerProcess(ProcessRunner process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string HostPort => $"127.0.0.1:{Port}";

    public string Url => $"nats://{HostPort}";

    public static async Task<NatsServerProcess> StartAsync(TimeSpan? readyTimeout = null)
    {
        var port = FreePort();
        var process = ProcessRunner.Start(DefaultBinary, ["-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var server = new NatsServerProcess(process, port);
        try
        {
            await server.WaitReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(10));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>A port that was free a moment ago; good enough for tests on one machine.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited at start:\n{_process.Stderr}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
