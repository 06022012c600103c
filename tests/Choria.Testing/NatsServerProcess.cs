using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

using Choria.Connector;

namespace Choria.Testing;

/// <summary>A real nats-server child on 127.0.0.1; always killed on dispose.</summary>
public sealed class NatsServerProcess : IDisposable
{
    private const string Binary = "/usr/sbin/nats-server";
    private readonly string _dir;
    private readonly string? _extraConfig;
    private Process? _process;

    private NatsServerProcess(int port, string? extraConfig)
    {
        Port = port;
        _extraConfig = extraConfig;
        _dir = Directory.CreateTempSubdirectory("choria-nats-").FullName;
    }

    public int Port { get; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"nats://127.0.0.1:{Port}");

    public BrokerHost Host => new("127.0.0.1", Port);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts a server; <paramref name="extraConfig"/> is appended to its config file (tls, authorization).</summary>
    public static async Task<NatsServerProcess> StartAsync(string? extraConfig = null, int? port = null)
    {
        var server = new NatsServerProcess(port ?? FreePort(), extraConfig);
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

    /// <summary>(Re)starts the process on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var config = Path.Combine(_dir, "nats.conf");
        await File.WriteAllTextAsync(config, $"listen: 127.0.0.1:{Port}\n{_extraConfig}\n");
        var psi = new ProcessStartInfo(Binary, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
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
}
