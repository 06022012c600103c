using System.Diagnostics;
using System.Globalization;
using System.Net.Security;

namespace Choria.Testing;

/// <summary>
/// Debian's real <c>puppetserver</c> (7.x) as a Puppet CA for tests: its own confdir, cadir, ssldir, code, var,
/// run and log directories under one temporary directory, listening on a free port of 127.0.0.1. The Debian
/// wrapper (<c>puppetserver foreground</c>) hard-codes <c>/etc/puppet/puppetserver/conf.d</c> and switches to the
/// <c>puppet</c> user, so this runs the same java command line with its own <c>--config</c>, as the current user.
/// Its TLS certificate is for <see cref="Host"/>. Starting takes a minute or more; share one per test run.
/// </summary>
public sealed class PuppetServerProcess : IAsyncDisposable
{
    /// <summary>The name the CA's TLS certificate carries (besides <c>puppet</c>); clients connect to it.</summary>
    public const string Host = "localhost";

    private const string InstallDir = "/usr/share/puppetserver";
    private const string Jar = InstallDir + "/puppetserver.jar";
    private const string Services = "/etc/puppet/puppetserver/services.d";
    private const string DebianConf = "/etc/puppet/puppetserver/conf.d";

    private readonly ManagedProcess _java;

    private PuppetServerProcess(string root, int port, ManagedProcess java)
    {
        Root = root;
        Port = port;
        _java = java;
    }

    /// <summary>Everything of this server lives here; deleted on dispose.</summary>
    public string Root { get; }

    public int Port { get; }

    /// <summary>The server's <c>puppet.conf</c>; <c>puppetserver ca</c> is pointed at it with <c>--config</c>.</summary>
    public string PuppetConf => Path.Combine(Root, "etc", "puppet.conf");

    /// <summary>One glob per line; Puppet re-reads it for every request.</summary>
    public string AutosignConf => Path.Combine(Root, "etc", "autosign.conf");

    /// <summary>The CA certificate, as the CA itself keeps it.</summary>
    public string CaCertificatePath => Path.Combine(Root, "etc", "ca", "ca_crt.pem");

    public string Output => _java.Output;

    /// <summary>Resident memory of the java process in bytes (from /proc), for the record.</summary>
    public long ResidentBytes
    {
        get
        {
            var line = File.ReadLines($"/proc/{_java.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
    }

    /// <summary>Why this machine cannot run it (not installed), or null.</summary>
    public static string? MissingReason()
    {
        if (!File.Exists(Jar) || !File.Exists("/usr/bin/puppetserver"))
        {
            return $"puppetserver is not installed ({Jar} not found; apt-get install puppetserver puppet)";
        }

        return File.Exists("/usr/bin/java") ? null : "java is not installed (/usr/bin/java not found; apt-get install puppetserver)";
    }

    /// <summary>
    /// Writes the configuration, starts the server and waits for <c>/status/v1/simple</c> to say <c>running</c>.
    /// Throws <see cref="InvalidOperationException"/> naming the reason (and the server's last output) when it
    /// is not installed, exits or is not ready within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<PuppetServerProcess> StartAsync(IEnumerable<string> autosign, TimeSpan timeout)
    {
        if (MissingReason() is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        var root = Path.Combine(Path.GetTempPath(), "choria-puppetca-" + Guid.NewGuid().ToString("N")[..12]);
        var port = FreePort.Next();
        WriteConfiguration(root, port, autosign);

        string[] arguments =
        [
            "-Xms256m", "-Xmx1g",
            "-Djruby.lib=/usr/share/jruby/lib",
            "-Dlogappender=STDOUT",
            "-XX:+CrashOnOutOfMemoryError",
            "-XX:ErrorFile=" + Path.Combine(root, "log", "java_err_pid%p.log"),
            "-jar", Jar,
            "--config", Path.Combine(root, "conf.d"),
            "--bootstrap-config", Services,
        ];
        var java = ManagedProcess.Start("/usr/bin/java", arguments);
        var server = new PuppetServerProcess(root, port, java);
        try
        {
            await server.WaitReadyAsync(timeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>puppetserver ca ARGS --config puppet.conf</c> (the admin's tool, over the CA's HTTP API).</summary>
    public Task<ProcessResult> CaAsync(params string[] arguments) =>
        ManagedProcess.RunAsync("/usr/bin/puppetserver", ["ca", .. arguments, "--config", PuppetConf], TimeSpan.FromMinutes(3));

    /// <summary><c>puppetserver ca sign --certname NAME</c>; throws with its output unless it succeeds.</summary>
    public async Task<ProcessResult> SignAsync(string certname) => Checked(await CaAsync("sign", "--certname", certname));

    /// <summary>The fingerprint <c>puppetserver ca list --all</c> shows for <paramref name="certname"/>, or null.</summary>
    public async Task<string?> ListedFingerprintAsync(string certname)
    {
        var list = Checked(await CaAsync("list", "--all"));
        foreach (var line in list.Stdout.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && fields[0] == certname && fields[1] == "(SHA256)")
            {
                return fields[2];
            }
        }

        return null;
    }

    /// <summary>Stops the server with SIGTERM (as its service does), then deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_java.HasExited)
        {
            try
            {
                await _java.TerminateAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                // Did not stop in time: disposing kills it.
            }
        }

        await _java.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static ProcessResult Checked(ProcessResult result) =>
        result.ExitCode == 0 ? result : throw new InvalidOperationException($"puppetserver ca failed ({result.ExitCode}):\n{result.Stdout}\n{result.Stderr}");

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        // The CA's certificate does not exist until it has started; nothing to verify against yet.
#pragma warning disable CA5359 // only the status text is read, from our own child process on loopback
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
        };
#pragma warning restore CA5359
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var status = new Uri($"https://127.0.0.1:{Port}/status/v1/simple");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_java.HasExited)
            {
                throw new InvalidOperationException($"puppetserver exited with {_java.ExitCode} before it was ready:\n{Tail(_java.Output)}");
            }

            try
            {
                if ((await client.GetStringAsync(status)).Trim() == "running")
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"puppetserver was not ready on port {Port} within {timeout}:\n{Tail(_java.Output)}");
            }

            await Task.Delay(1000);
        }
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(40));

    private static void WriteConfiguration(string root, int port, IEnumerable<string> autosign)
    {
        foreach (var dir in new[] { "conf.d", "etc", "code", "var", "run", "log" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }

        // Access rules, routes and metrics as Debian ships them; only paths and the port change.
        foreach (var name in new[] { "auth.conf", "web-routes.conf", "metrics.conf", "ca.conf" })
        {
            File.Copy(Path.Combine(DebianConf, name), Path.Combine(root, "conf.d", name));
        }

        var etc = Path.Combine(root, "etc");
        Write(root, "conf.d/puppetserver.conf", $$"""
            jruby-puppet: {
                ruby-load-path: [/usr/lib/puppetserver/ruby/vendor_ruby]
                gem-home: {{root}}/var/jruby-gems
                gem-path: [${jruby-puppet.gem-home}, "/usr/lib/puppetserver/vendored-jruby-gems"]
                server-conf-dir: {{etc}}
                server-code-dir: {{root}}/code
                server-var-dir: {{root}}/var
                server-run-dir: {{root}}/run
                server-log-dir: {{root}}/log
                # One JRuby is plenty for a CA and each one costs seconds to start.
                max-active-instances: 1
            }
            http-client: {}
            profiler: {}
            """);
        Write(root, "conf.d/webserver.conf", $$"""
            webserver: {
                client-auth: want
                ssl-host: 127.0.0.1
                ssl-port: {{port}}
            }
            """);
        Write(root, "conf.d/global.conf", $$"""
            global: {
                logging-config: {{root}}/logback.xml
            }
            """);
        Write(root, "logback.xml", """
            <configuration>
                <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5p [%c{2}] %m%n</pattern></encoder>
                </appender>
                <logger name="puppetlabs.trapperkeeper.services.status.status-debug-logging" level="warn"/>
                <root level="info"><appender-ref ref="STDOUT"/></root>
            </configuration>
            """);
        // ca_server/ca_port point "puppetserver ca" at this server; dns_alt_names gives its TLS certificate the
        // name clients connect to.
        Write(root, "etc/puppet.conf", $"""
            [main]
            certname = puppetca.test
            dns_alt_names = {Host}
            server = {Host}
            ca_server = {Host}
            ca_port = {port}
            serverport = {port}
            ssldir = {etc}/ssl
            vardir = {root}/var
            logdir = {root}/log
            rundir = {root}/run
            codedir = {root}/code

            [server]
            cadir = {etc}/ca
            autosign = {etc}/autosign.conf
            """);
        File.WriteAllLines(Path.Combine(etc, "autosign.conf"), autosign);
    }

    private static void Write(string root, string relative, string content) =>
        File.WriteAllText(Path.Combine(root, relative), content + "\n");
}
