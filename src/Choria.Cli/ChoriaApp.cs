using System.CommandLine;
using System.Runtime.InteropServices;
using Choria.Cli.Commands;
using Choria.Cli.Commands.Tool;
using Choria.Cli.Hosting;

namespace Choria.Cli;

/// <summary>Builds the command tree of the one <c>choria</c> program.</summary>
public static class ChoriaApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Choria Orchestration System: node daemon, network broker and operator CLI");
        root.Options.Add(GlobalOptions.Debug);
        root.Options.Add(GlobalOptions.Config);

        root.Subcommands.Add(BrokerCommand.Create());
        root.Subcommands.Add(BuildinfoCommand.Create());
        root.Subcommands.Add(DiscoverCommand.Create());
        root.Subcommands.Add(EnrollCommand.Create());
        root.Subcommands.Add(FactsCommand.Create());
        root.Subcommands.Add(InventoryCommand.Create());
        root.Subcommands.Add(Commands.Machine.MachineCommand.Create());
        root.Subcommands.Add(PingCommand.Create());
        root.Subcommands.Add(ProvisionerCommand.Create());
        root.Subcommands.Add(ReqCommand.Create());
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(ToolCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);

        // The daemons bound their own shutdown (soft_shutdown_timeout), so System.CommandLine's fixed
        // 2 s kill timer is replaced: the first SIGINT/SIGTERM cancels, a second one exits at once.
        using var shutdown = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (shutdown.IsCancellationRequested)
            {
                Environment.Exit(1);
            }

            shutdown.Cancel();
        }

        if (IsDaemon(parsed.CommandResult.Command))
        {
            InheritedSignals.RestoreDaemonSignals();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        // SIGHUP asks a daemon to reload; without one registered it keeps its default (terminate).
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = ReloadSignal.TryRaise());
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, shutdown.Token);
    }

    /// <summary><c>server run</c> and <c>broker run</c>: the long-running daemons.</summary>
    private static bool IsDaemon(Command command) =>
        command.Name == "run" && command.Parents.OfType<Command>().Any(p => p.Name is "server" or "broker");
}
