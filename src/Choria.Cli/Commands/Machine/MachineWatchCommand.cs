using System.CommandLine;
using Choria.Cli.Commands.Tool;
using Choria.Cli.Hosting;
using Choria.Protocol.Subjects;

namespace Choria.Cli.Commands.Machine;

/// <summary>
/// <c>choria machine watch</c>: prints machine transitions and watcher states from the broker, one line each (or the
/// events as JSON), until interrupted.
/// </summary>
public static class MachineWatchCommand
{
    public static Command Create()
    {
        var transitions = new Option<bool>("--transitions") { Description = "Show transitions (default: both transitions and watcher states)" };
        var watchers = new Option<bool>("--watchers") { Description = "Show watcher states" };
        var types = new Option<string[]>("--type") { Description = "Watcher types to show (repeatable; default all)", AllowMultipleArgumentsPerToken = false };
        var identity = new Option<string?>("--identity") { Description = "Only events from this node" };
        var machine = new Option<string?>("--machine") { Description = "Only events of this machine" };
        var json = new Option<bool>("--json") { Description = "Print each event as received, one JSON document per line" };
        var connectTimeout = RawNats.ConnectTimeoutOption();
        var cmd = new Command("watch", "Watches autonomous agent events on the network");
        foreach (var option in new Option[] { transitions, watchers, types, identity, machine, json, connectTimeout })
        {
            cmd.Options.Add(option);
        }

        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(
            parse,
            async token =>
            {
                var output = parse.InvocationConfiguration.Output;
                var both = !parse.GetValue(transitions) && !parse.GetValue(watchers);
                var subjects = new List<string>();
                if (both || parse.GetValue(transitions))
                {
                    subjects.Add(ChoriaSubjects.MachineTransition);
                }

                if (both || parse.GetValue(watchers))
                {
                    var kinds = parse.GetValue(types) is { Length: > 0 } t ? t : ["*"];
                    subjects.AddRange(kinds.Select(ChoriaSubjects.MachineWatcherState));
                }

                var filter = new MachineEventFilter(parse.GetValue(identity), parse.GetValue(machine));
                var colour = !Console.IsOutputRedirected && parse.GetValue(json) is false;
                using var framework = await CliRuntime.ClientFrameworkAsync(parse, token);
                await using var connection = await RawNats.ConnectAsync(framework, RawNats.ValueOr(parse, connectTimeout, RawNats.DefaultConnectTimeout), token);
                var subscriptions = new List<Connector.ChoriaSubscription>();
                foreach (var subject in subjects)
                {
                    subscriptions.Add(await connection.SubscribeAsync(subject, cancellationToken: token));
                }

                await connection.FlushAsync(token);
                if (!parse.GetValue(json))
                {
                    await output.WriteLineAsync($"Waiting for events from {string.Join(", ", subjects)} on {connection.ConnectedServerUrl}");
                    await output.FlushAsync(token);
                }

                var gate = new SemaphoreSlim(1, 1);
                try
                {
                    await Task.WhenAll(subscriptions.Select(async sub =>
                    {
                        await foreach (var message in sub.ReadAllAsync(token))
                        {
                            var line = parse.GetValue(json)
                                ? MachineEventFormatter.Json(message.Data.Span, filter)
                                : MachineEventFormatter.Line(message.Data.Span, filter, TimeProvider.System.GetLocalNow(), colour);
                            if (line is null)
                            {
                                continue;
                            }

                            await gate.WaitAsync(token);
                            try
                            {
                                await output.WriteLineAsync(line);
                                await output.FlushAsync(token);
                            }
                            finally
                            {
                                gate.Release();
                            }
                        }
                    }));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Interrupted: the normal end of this command.
                }
                finally
                {
                    foreach (var sub in subscriptions)
                    {
                        await sub.DisposeAsync();
                    }
                }

                return 0;
            },
            ct));
        return cmd;
    }
}
