using System.Globalization;

namespace Choria.Testing;

/// <summary>
/// A private RabbitMQ (Debian's <c>rabbitmq-server</c>) with its STOMP plugin, for tests that run the real Ruby
/// MCollective (<c>mcollectived</c>, <c>mco</c>) over its own <c>rabbitmq</c> connector. Everything is its own:
/// node name, free AMQP/STOMP/distribution ports, an <c>epmd</c> on a free port (started here, so no system
/// epmd is spawned or shared), and the mnesia, log, cookie and config files in one temp directory, deleted on
/// dispose. The <c>mcollective_broadcast</c> (topic) and <c>mcollective_directed</c> (direct) exchanges the
/// connector publishes to are declared from a definitions file at boot; user and password are <c>guest</c>.
/// </summary>
public sealed class RabbitMqProcess : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private readonly string _dir;
    private readonly List<ManagedProcess> _processes = [];

    private RabbitMqProcess(string dir, int stompPort)
    {
        _dir = dir;
        StompPort = stompPort;
    }

    /// <summary>True when Debian's rabbitmq-server and epmd are installed.</summary>
    public static bool Available => File.Exists(ServerScript) && File.Exists("/usr/bin/epmd");

    public int StompPort { get; }

    public const string User = "guest";

    public const string Password = "guest";

    /// <summary>Every line the broker logged so far.</summary>
    public string Output => string.Join('\n', _processes.Select(p => p.Output));

    /// <summary>Starts epmd and the broker and returns once the STOMP listener accepts connections.</summary>
    public static async Task<RabbitMqProcess> StartAsync(TimeSpan timeout)
    {
        var dir = Directory.CreateTempSubdirectory("choria-rabbitmq-").FullName;
        var (amqp, stomp, dist, epmd) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        var broker = new RabbitMqProcess(dir, stomp);
        try
        {
            await broker.StartAsync(amqp, dist, epmd, timeout);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(int amqp, int dist, int epmd, TimeSpan timeout)
    {
        var home = Directory.CreateDirectory(Path.Combine(_dir, "home")).FullName;
        var definitions = Path.Combine(_dir, "definitions.json");
        await File.WriteAllTextAsync(definitions, """
            {"vhosts": [{"name": "/"}],
             "users": [{"name": "guest", "password": "guest", "tags": "administrator"}],
             "permissions": [{"user": "guest", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}],
             "exchanges": [
               {"name": "mcollective_broadcast", "vhost": "/", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
               {"name": "mcollective_directed", "vhost": "/", "type": "direct", "durable": true, "auto_delete": false, "internal": false, "arguments": {}}]}
            """);
        await File.WriteAllTextAsync(Path.Combine(_dir, "rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            listeners.tcp.1 = 127.0.0.1:{amqp}
            stomp.listeners.tcp.1 = 127.0.0.1:{StompPort}
            load_definitions = {definitions}
            """) + "\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "enabled_plugins"), "[rabbitmq_stomp].\n");

        var epmdPort = epmd.ToString(CultureInfo.InvariantCulture);
        var epmdProcess = Track(ManagedProcess.Start("/usr/bin/epmd", ["-port", epmdPort, "-address", "127.0.0.1"]));
        await FreePort.WaitListeningAsync(epmd, timeout, () => epmdProcess.HasExited ? epmdProcess.Output : null);

        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["ERL_EPMD_PORT"] = epmdPort,
            ["RABBITMQ_NODENAME"] = "choria-test-" + Path.GetFileName(_dir).Replace('.', '-') + "@localhost",
            ["RABBITMQ_DIST_PORT"] = dist.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_dir, "rabbitmq"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_dir, "enabled_plugins"),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(_dir, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(_dir, "rabbitmq.pid"),
            ["RABBITMQ_LOGS"] = "-",
            // Erlang's schedulers spin while idle by default; on a small, shared CI machine that spinning starves
            // the test groups running beside the broker (and the broker's own boot).
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "+sbwt none +sbwtdcpu none +sbwtdio none",
        };
        var server = Track(ManagedProcess.Start(ServerScript, [], environment));
        await server.WaitForOutputAsync("Server startup complete", timeout);
        await FreePort.WaitListeningAsync(StompPort, timeout, () => server.HasExited ? server.Output : null);
    }

    private ManagedProcess Track(ManagedProcess process)
    {
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        // The broker before its epmd.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
