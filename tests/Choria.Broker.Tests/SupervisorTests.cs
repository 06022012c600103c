using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Choria.Broker.Network;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace Choria.Broker.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class SupervisorTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Tls_client_with_ca_signed_cert_publishes_and_subscribes_others_are_refused()
    {
        var port = FreePort.Next();
        await using var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "tls1", port), TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);
        Assert.True(sup.IsReady);

        var (cert, key) = _pki.Issue("client1");
        await using (var client = NatsClients.Tls(port, cert, key, _pki.CaFile))
        {
            await client.ConnectAsync();
            Assert.Equal("hello", await NatsClients.RoundTripAsync(client, client, "test.tls", TimeSpan.FromSeconds(5)));
        }

        await using (var noCert = NatsClients.Tls(port, null, null, _pki.CaFile))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await noCert.ConnectAsync());
        }

        using var foreign = new TestPki();
        var (fcert, fkey) = foreign.Issue("intruder");
        await using (var intruder = NatsClients.Tls(port, fcert, fkey, _pki.CaFile))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await intruder.ConnectAsync());
        }
    }

    [Fact]
    public async Task Child_logs_are_relayed_with_mapped_levels_and_stop_is_a_clean_sigint()
    {
        var logger = new CapturingLogger<NatsServerSupervisor>();
        var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "logs", FreePort.Next()), logger);
        await sup.StartAsync(CancellationToken.None);
        await sup.DisposeAsync();

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message == "network_broker: Server is ready");
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.EndsWith("stopped with code 0", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("killing it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runtime_dir_is_private_and_removed_on_stop()
    {
        var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "dirs", FreePort.Next()), TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);
        var config = sup.ConfigPath!;
        var dir = Path.GetDirectoryName(config)!;
        var pid = sup.ProcessId!.Value;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Contains("choria-broker-", dir, StringComparison.Ordinal);
        Assert.Equal("nats-server", (await File.ReadAllTextAsync($"/proc/{pid}/comm")).Trim());

        await sup.DisposeAsync();
        Assert.False(Directory.Exists(dir));
        Assert.False(Directory.Exists($"/proc/{pid}"));
    }

    [Fact]
    public async Task Killed_child_is_restarted_and_client_reconnects()
    {
        var port = FreePort.Next();
        await using var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "restart", port), TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);
        var (cert, key) = _pki.Issue("client2");
        await using var client = NatsClients.Tls(port, cert, key, _pki.CaFile, reconnect: true);
        await client.ConnectAsync();
        var first = sup.ProcessId!.Value;

        Process.GetProcessById(first).Kill();
        await TestSupport.WaitUntil(() => sup.IsReady && sup.ProcessId is { } p && p != first, TimeSpan.FromSeconds(15), "restart");
        Assert.Equal(1, sup.Restarts);
        Assert.Equal("hello", await NatsClients.RoundTripAsync(client, client, "test.restart", TimeSpan.FromSeconds(10)));
        Assert.Equal(NatsConnectionState.Open, client.ConnectionState);
    }

    [Fact]
    public async Task Reload_sends_sighup_and_the_child_keeps_running()
    {
        await using var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "reload", FreePort.Next()), TestSupport.Logger<NatsServerSupervisor>());
        await sup.StartAsync(CancellationToken.None);
        var pid = sup.ProcessId;
        sup.Reload(sup.Options with { Debug = true });
        Assert.Contains("debug: true", await File.ReadAllTextAsync(sup.ConfigPath!), StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.True(sup.IsReady);
        Assert.Equal(pid, sup.ProcessId);
        Assert.Equal(0, sup.Restarts);
    }

    [Fact]
    public async Task Port_in_use_fails_with_reason_from_nats_server()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using var sup = new NatsServerSupervisor(TestSupport.Options(_pki, "busy", port), TestSupport.Logger<NatsServerSupervisor>());
        var ex = await Assert.ThrowsAsync<BrokerStartException>(() => sup.StartAsync(CancellationToken.None));
        Assert.Contains("exited during startup", ex.Message, StringComparison.Ordinal);
        Assert.Contains("address already in use", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Missing_binary_names_the_debian_package()
    {
        var o = TestSupport.Options(_pki, "nobin", FreePort.Next()) with { NatsServerPath = "/nonexistent/nats-server" };
        await using var sup = new NatsServerSupervisor(o, TestSupport.Logger<NatsServerSupervisor>());
        var ex = await Assert.ThrowsAsync<BrokerStartException>(() => sup.StartAsync(CancellationToken.None));
        Assert.Contains("/nonexistent/nats-server", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Debian package nats-server", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tls_file_and_invalid_peer_fail_before_starting()
    {
        var o = TestSupport.Options(_pki, "badtls", FreePort.Next()) with { TlsCa = "/nonexistent/ca.pem" };
        await using (var sup = new NatsServerSupervisor(o, TestSupport.Logger<NatsServerSupervisor>()))
        {
            var ex = await Assert.ThrowsAsync<BrokerConfigException>(() => sup.StartAsync(CancellationToken.None));
            Assert.Equal("TLS CA file '/nonexistent/ca.pem' does not exist", ex.Message);
        }

        var p = TestSupport.Options(_pki, "badpeer", FreePort.Next(), FreePort.Next()) with { Peers = ["nats://peer"] };
        await using (var sup = new NatsServerSupervisor(p, TestSupport.Logger<NatsServerSupervisor>()))
        {
            var ex = await Assert.ThrowsAsync<BrokerConfigException>(() => sup.StartAsync(CancellationToken.None));
            Assert.Equal("invalid peer URL 'nats://peer': a port is required", ex.Message);
        }
    }

    [Fact]
    public async Task Launch_command_kills_nats_server_when_its_parent_is_killed()
    {
        Assert.True(File.Exists("/usr/bin/setpriv"), "util-linux setpriv is needed for pdeathsig");
        var port = FreePort.Next();
        var config = Path.Combine(_pki.Dir, "orphan.conf");
        await File.WriteAllTextAsync(config, $"host: \"127.0.0.1\"\nport: {port}\n");
        var (file, args, _) = ProcessLauncher.BuildCommand(NatsServerProcess.Binary, ["-c", config]);
        var quoted = string.Join(' ', new[] { file }.Concat(args).Select(a => "'" + a + "'"));

        // The helper plays the role of a supervisor that gets SIGKILLed: it launches the child and waits.
        var psi = new ProcessStartInfo("/bin/bash", ["-c", $"{quoted} >/dev/null 2>&1 & echo $!; wait"]) { RedirectStandardOutput = true };
        using var helper = Process.Start(psi)!;
        var childPid = int.Parse((await helper.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await TestSupport.WaitUntil(() => File.Exists($"/proc/{childPid}/comm") && File.ReadAllText($"/proc/{childPid}/comm").Trim() == "nats-server", TimeSpan.FromSeconds(5), "child exec");
            helper.Kill();
            await helper.WaitForExitAsync();
            await TestSupport.WaitUntil(() => !IsAlive(childPid), TimeSpan.FromSeconds(5), "orphan to die");
        }
        finally
        {
            if (IsAlive(childPid))
            {
                Process.GetProcessById(childPid).Kill();
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat.Contains(") Z", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
