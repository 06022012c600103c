using System.CommandLine;
using System.Globalization;
using Choria.Cli.Commands.Shared;
using Choria.Cli.Hosting;
using Choria.Cli.Rendering;
using Choria.Client;
using Choria.Ddl.Ruby;
using Spectre.Console;

namespace Choria.Cli.Commands;

/// <summary><c>choria req AGENT ACTION [key=value...]</c> (alias <c>rpc</c>): SimpleRPC requests (docs/client.md).</summary>
public static class ReqCommand
{
    public static Command Create()
    {
        var filters = new FilterOptions();
        var agent = new Argument<string>("agent") { Description = "The agent to invoke" };
        var action = new Argument<string>("action") { Description = "The action to invoke" };
        var inputs = new Argument<string[]>("inputs") { Description = "Request inputs as key=value", Arity = ArgumentArity.ZeroOrMore };
        var limit = new Option<string?>("--limit") { Description = "Limits request to a set of targets eg 10 or 10%" };
        var limitSeed = new Option<int?>("--limit-seed") { Description = "Seed value for deterministic random limits" };
        var batch = new Option<int>("--batch") { Description = "Do requests in batches" };
        var batchSleep = new Option<int>("--batch-sleep") { Description = "Sleep time between batches (seconds)", DefaultValueFactory = _ => 1 };
        var workers = new Option<int>("--workers") { Description = "Reply receiver connections (each its own NATS connection in one queue group)", DefaultValueFactory = _ => 3 };
        var noProgress = new Option<bool>("--np") { Description = "Disable the progress bar" };
        var json = new Option<bool>("--json", "-j") { Description = "Produce JSON output" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Enable verbose output" };
        var display = new Option<string?>("--display") { Description = "Display only a subset of results (ok, failed, all, none)" };
        display.AcceptOnlyFromAmong("ok", "failed", "all", "none");
        var outputFile = new Option<FileInfo?>("--output-file", "-o") { Description = "Filename to write output to" };
        var table = new Option<bool>("--table") { Description = "Produce a table of results" };
        var senders = new Option<bool>("--senders") { Description = "Produce a list of successful responding nodes" };

        var cmd = new Command("req", "Performs a RPC request against the Choria network");
        cmd.Aliases.Add("rpc");
        cmd.Arguments.Add(agent);
        cmd.Arguments.Add(action);
        cmd.Arguments.Add(inputs);
        filters.AddTo(cmd);
        foreach (var o in new Option[] { limit, limitSeed, batch, batchSleep, workers, noProgress, json, verbose, display, outputFile, table, senders })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var agentName = parse.GetValue(agent)!;
            var actionName = parse.GetValue(action)!;
            if (!filters.TryBuild(parse, out var filter, out var error))
            {
                throw new ChoriaClientException(error);
            }

            var jsonOut = parse.GetValue(json);
            await using var fileWriter = parse.GetValue(outputFile) is { } f ? new StreamWriter(f.FullName) : null;
            var output = fileWriter ?? parse.InvocationConfiguration.Output;
            var tty = fileWriter is null && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
            var received = 0;
            var targets = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            PreparedRpc? prepared = null;
            // Read once: the receiver count is wanted before connecting, while Prepare (which reports a bad file, after
            // the DDL checks as before) runs beside the connect.
            var nodes = new Lazy<IReadOnlyList<string>?>(() => filters.NodesValue(parse));

            // Everything the user can get wrong is checked before connecting: DDL, action, inputs, limit.
            void Prepare(Framework.ChoriaFramework fw)
            {
                if (!DdlResolver.TryLoad(agentName, fw.Config.LibDirs, new RubyDdlConverter(RubyDdlConverterOptions.FromConfig(fw.Config)), out var ddl, out var ddlError))
                {
                    throw new ChoriaClientException(ddlError);
                }

                var actionDdl = ddl.FindAction(actionName) ?? throw new ChoriaClientException($"invalid action {actionName} for agent {agentName}, valid actions are: {string.Join(", ", ddl.ActionNames())}");
                if (!DdlResolver.TryBuildInputs(actionDdl, parse.GetValue(inputs) ?? [], out var data, out var inputError))
                {
                    throw new ChoriaClientException(inputError);
                }

                prepared = ChoriaClient.Prepare(new RpcOptions
                {
                    Agent = agentName,
                    Action = actionName,
                    Data = data,
                    Ddl = ddl,
                    Filter = filter,
                    Collective = filters.Collective(parse),
                    Nodes = nodes.Value,
                    BatchSize = parse.GetValue(batch),
                    BatchSleep = TimeSpan.FromSeconds(parse.GetValue(batchSleep)),
                    Limit = parse.GetValue(limit),
                    LimitSeed = parse.GetValue(limitSeed),
                    DiscoveryTimeout = filters.DiscoveryTimeoutValue(parse),
                    DiscoveryWindow = filters.DiscoveryWindowValue(parse),
                    OnDiscovering = jsonOut ? null : () =>
                    {
                        output.Write("Discovering nodes .... ");
                        output.Flush();
                    },
                    OnDiscovered = jsonOut ? null : (count, _) =>
                    {
                        output.WriteLine(count.ToString(CultureInfo.InvariantCulture));
                        output.WriteLine();
                    },
                    OnTargets = count => targets.TrySetResult(count),
                    OnReply = _ => Interlocked.Increment(ref received),
                });
                // Signed while the connect runs beside this: the request then leaves as soon as it is up.
                prepared = ChoriaClient.SignAhead(prepared, ChoriaClient.RequestsFor(fw), ChoriaClient.OptionsFromConfig(fw.Config, filters.FederationsValue(parse)));
            }

            await using var session = await ClientSession.OpenAsync(parse, filters.DiscoveryTimeoutValue(parse), filters.FederationsValue(parse), ct2, Prepare, () => ChoriaClientOptions.ReceiversFor(parse.GetValue(workers), KnownCount(nodes)));
            var request = session.Client.RequestAsync(prepared!, ct2);
            RpcResult result;
            if (tty && !jsonOut && !parse.GetValue(noProgress) && await Task.WhenAny(targets.Task, request) == targets.Task)
            {
                result = await WithProgressAsync(request, () => Volatile.Read(ref received), await targets.Task);
            }
            else
            {
                result = await request;
            }

            var actionDdl = prepared!.Action;
            if (parse.GetValue(senders))
            {
                var ok = result.Replies.Where(r => r.Ok).Select(r => r.Sender).Order(StringComparer.Ordinal).ToList();
                output.WriteLine(jsonOut ? RpcJsonRenderer.Senders(ok) : string.Join('\n', ok));
            }
            else if (jsonOut)
            {
                output.WriteLine(RpcJsonRenderer.Render(result));
            }
            else if (parse.GetValue(table))
            {
                SpectreText.Write(output, RpcTableRenderer.Build(result, actionDdl), tty);
                RpcTextRenderer.Summaries(output, result.Summaries);
                RpcTextRenderer.Footer(output, result.Stats, parse.GetValue(verbose), new Colour(tty));
            }
            else
            {
                var mode = DisplayModes.Resolve(parse.GetValue(display), actionDdl);
                RpcTextRenderer.Render(output, result, actionDdl, mode, parse.GetValue(verbose), new Colour(tty && Colour.ForConsole(output).Enabled));
            }

            // What arrived is shown above; a lost broker connection must not look like silent nodes to a script.
            if (result.Stats.Interrupted)
            {
                throw new ChoriaClientException(string.Create(CultureInfo.InvariantCulture,
                    $"the connection to the Choria broker was lost during the request: {result.Stats.Responded} of {result.Stats.Discovered} nodes replied, {result.Stats.NoResponses.Count} replies may have been lost"));
            }

            return 0;
        }, ct));
        return cmd;
    }

    /// <summary>How many nodes <c>--nodes</c> lists; null without the option or when the file is bad (Prepare reports that).</summary>
    private static int? KnownCount(Lazy<IReadOnlyList<string>?> nodes)
    {
        try
        {
            return nodes.Value?.Count;
        }
        catch (ChoriaClientException)
        {
            return null;
        }
    }

    /// <summary>Spectre progress bar fed from the reply counter while the request runs.</summary>
    private static async Task<RpcResult> WithProgressAsync(Task<RpcResult> request, Func<int> received, int expected)
    {
        await AnsiConsole.Progress()
            .AutoClear(true)
            // As go-choria: red while replies are outstanding, green once all expected replies arrived.
            .Columns(new ProgressBarColumn { CompletedStyle = new Style(Color.Red), FinishedStyle = new Style(Color.Green) }, new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask($"{expected} nodes", maxValue: expected);
                while (!request.IsCompleted)
                {
                    bar.Value = received();
                    await Task.WhenAny(request, Task.Delay(100));
                }

                bar.Value = received();
            });
        return await request;
    }
}
