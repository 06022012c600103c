using System.Diagnostics;
using System.Globalization;
using Choria.Connector;

namespace Choria.Testing;

/// <summary>
/// The one real nats-server child of the tests: on 127.0.0.1 and a free port, optionally with JetStream or extra
/// configuration; always killed on dispose. The binary is found on <c>PATH</c> (Debian's package puts it in
/// /usr/sbin, which a non-root PATH may lack, so that is tried last).
/// </summary>
public sealed class NatsServerProcess : IDisposable, IAsyncDisposable
{
    private static readonly Lazy<string> s_binary = new(FindBinary);
    private readonly string _dir;
    private readonly string? _extraConfig;
    private readonly bool _jetStream;
    private Process? _process;

    private NatsServerProcess(int port, string? extraConfig, bool jetStream)
    {
        Port = port;
        _extraConfig = extraConfig;
        _jetStream = jetStream;
        _dir = Directory.CreateTempSubdirectory("choria-nats-").FullName;
    }

    /// <summary>Full path of the nats-server binary the tests run.</summary>
    public static string Binary => s_binary.Value;

    public int Port { get; }

    public string HostPort => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public string Url => $"nats://{HostPort}";

    public BrokerHost Host => new("127.0.0.1", Port);

    /// <summary>
    /// Starts a server; <paramref name="extraConfig"/> is appended to its config file (tls, authorization) and
    /// <paramref name="jetStream"/> enables JetStream with a store that survives <see cref="StartAgainAsync"/>.
    /// </summary>
    public static async Task<NatsServerProcess> StartAsync(string? extraConfig = null, int? port = null, bool jetStream = false)
    {
        var server = new NatsServerProcess(port ?? FreePort.Next(), extraConfig, jetStream);
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

    /// <summary>(Re)starts the process on the same port and, with JetStream, the same store directory.</summary>
    public async Task StartAgainAsync()
    {
        var config = Path.Combine(_dir, "nats.conf");
        var jetStream = _jetStream ? $"jetstream {{ store_dir: \"{Path.Combine(_dir, "js")}\" }}\n" : "";
        await File.WriteAllTextAsync(config, $"listen: 127.0.0.1:{Port}\n{jetStream}{_extraConfig}\n");
        var psi = new ProcessStartInfo(Binary, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = _process = Process.Start(psi) ?? throw new InvalidOperationException("nats-server did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        await FreePort.WaitListeningAsync(Port, TimeSpan.FromSeconds(10), () => process.HasExited ? $"nats-server exited with {process.ExitCode}" : null);
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
            // A JetStream store still being written; the temp dir is cleaned up by the OS.
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static string FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("nats-server not found on PATH or in /usr/sbin; ./test.sh installs Debian's nats-server package");
    }
}
