using System.CommandLine;
using Choria.Broker.Hosting;
using Choria.Cli.Hosting;
using Choria.Config;
using Choria.Framework;
using Choria.Framework.Plugins;

namespace Choria.Cli.Commands;

/// <summary><c>choria broker [run]</c>: network broker, federation broker and adapters (docs/broker.md).</summary>
public static class BrokerCommand
{
    private static readonly Option<FileInfo?> s_pid = new("--pid") { Description = "Write the process id to a file" };
    private static readonly Option<bool> s_disableTls = new("--disable-tls") { Description = "Disables TLS", Hidden = true };
    private static readonly Option<bool> s_disableTlsVerify = new("--disable-ssl-verification") { Description = "Disables SSL Verification", Hidden = true };

    public static Command Create()
    {
        var broker = new Command("broker", "Choria Network Broker");
        var run = new Command("run", "Runs a Choria Network Broker instance");
        foreach (var command in new[] { broker, run })
        {
            command.Options.Add(s_pid);
            command.Options.Add(s_disableTls);
            command.Options.Add(s_disableTlsVerify);
            // 2020 systemd units run `choria broker --config=...`: run is the default.
            command.SetAction((parse, ct) => RunAsync(parse, ct));
        }

        broker.Subcommands.Add(run);
        return broker;
    }

    private static Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken) =>
        CliRuntime.RunAsync(parse, async ct =>
        {
            var config = CliRuntime.LoadConfig(parse, ConfigRole.Broker);
            var flags = new BrokerFlags(parse.GetValue(GlobalOptions.Debug), parse.GetValue(s_disableTls), parse.GetValue(s_disableTlsVerify));
            using var framework = await ChoriaFramework.CreateAsync(config, flags.Debug, verifySecurityFiles: false, cancellationToken: ct);
            await using var broker = await ChoriaBroker.CreateAsync(framework, flags, () => FrameworkPlugins.Mutate(CliRuntime.LoadConfig(parse, ConfigRole.Broker), framework.Loggers), ct);
            CliRuntime.WritePidFile(parse.GetValue(s_pid));
            using var sighup = ReloadSignal.Register(() => _ = Task.Run(() => broker.ReloadAsync(ct), CancellationToken.None));
            using var forceQuit = CliRuntime.ForceQuitAfterCancel(broker.SoftShutdownTimeout + TimeSpan.FromSeconds(1), ct);
            return await broker.RunAsync(ct) ? 0 : 1;
        }, cancellationToken);
}
