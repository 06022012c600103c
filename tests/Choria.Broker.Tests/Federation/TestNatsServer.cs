using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Choria.Connector;

namespace Choria.Broker.Tests.Federation;

/// <summary>A real nats-server child on 127.0.0.1 (optionally with JetStream); always killed on dispose.</summary>
internal sealed class TestNatsServer : IDisposable
{
    private const string Binary = "/usr/sbin/nats-server";
    private readonly string _dir;
    private readonly bool _jetStream;
    private Process? _process;

    private TestNatsServer(int port, bool jetStream)
    {
        Port = port;
        _jetStream = jetStream;
        _dir = Directory.CreateTempSubdirectory("choria-fedtest-").FullName;
    }

    public int Port { get; }

    public string HostPort => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public string Url => $"nats://{HostPort}";

    public BrokerHost Host => new("127.0.0.1", Port);

    public static async Task<TestNatsServer> StartAsync(bool jetStream = false)
    {
        var server = new TestNatsServer(FreePort(), jetStream);
        try
        {
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>(Re)starts on the same port and, with JetStream, the same store directory.</summary>
    public async Task StartAgainAsync()
    {
        var args = new List<string> { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) };
        if (_jetStream)
        {
            args.AddRange(["-js", "-sd", _dir]);
        }

        var psi = new ProcessStartInfo(Binary, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        _process = Process.Start(psi) ?? throw new InvalidOperationException("nats-server did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with {_process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new TimeoutException($"nats-server not listening on {Port}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
