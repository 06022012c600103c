using System.CommandLine;
using Choria.Framework.Logging;
using Choria.Machine.Manifest;
using Choria.Machine.Notifications;
using Choria.Machine.Runtime;

namespace Choria.Cli.Commands.Machine;

/// <summary>
/// <c>choria machine run DIR...</c>: runs machines in the foreground as identity <c>cli</c>, printing each transition
/// and watcher state, until interrupted. Nothing is published.
/// </summary>
public static class MachineRunCommand
{
    public static Command Create()
    {
        var dirs = new Argument<DirectoryInfo[]>("dir") { Description = "Directories holding a machine.yaml", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("run", "Runs autonomous agents locally, printing their events");
        cmd.Arguments.Add(dirs);
        cmd.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            using var loggers = ChoriaLogging.CreateConsole(parse.GetValue(GlobalOptions.Debug));
            var context = new MachineContext { Identity = "cli", Notifier = new ConsoleNotifier(output, TimeProvider.System), Loggers = loggers };
            var machines = new List<MachineInstance>();
            try
            {
                foreach (var dir in parse.GetValue(dirs)!)
                {
                    machines.Add(new MachineInstance(ManifestLoader.LoadDirectory(dir.FullName), dir.FullName, context));
                }
            }
            catch (ManifestException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"choria: Could not load the machine: {e.Message}");
                return 1;
            }

            foreach (var m in machines)
            {
                await m.StartAsync(ct);
                await output.WriteLineAsync($"Running {m.Name} version {m.Version} from {m.Directory} in state {m.State}");
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Interrupted: the normal end.
            }

            foreach (var m in machines)
            {
                await m.DisposeAsync();
            }

            return 0;
        });
        return cmd;
    }

    /// <summary>Prints each event's one-line summary.</summary>
    private sealed class ConsoleNotifier(TextWriter output, TimeProvider clock) : IMachineNotifier
    {
        private readonly Lock _lock = new();

        public void Transition(TransitionNotification notification) => Write(notification.ToString());

        public void WatcherState(WatcherStateNotification notification) => Write(notification.ToString());

        private void Write(string line)
        {
            lock (_lock)
            {
                output.WriteLine($"{clock.GetLocalNow():HH:mm:ss} {line}");
                output.Flush();
            }
        }
    }
}
