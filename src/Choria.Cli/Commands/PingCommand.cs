using System.CommandLine;
using Choria.Cli.Commands.Shared;
using Choria.Cli.Hosting;
using Choria.Cli.Rendering;
using Choria.Client;

namespace Choria.Cli.Commands;

/// <summary><c>choria ping</c>: round trip through broker and servers with the discovery agent (docs/client.md).</summary>
public static class PingCommand
{
    public static Command Create()
    {
        var filters = new FilterOptions();
        var silent = new Option<bool>("--silent") { Description = "Do not print any hostnames" };
        var names = new Option<bool>("--names") { Description = "Only print node names" };
        var expect = new Option<int>("--expect") { Description = "Wait until this many replies were received or the timeout is reached" };
        var timeout = new Option<int?>("--timeout", "-t") { Description = "How long to wait for responses (seconds, default discovery_timeout)" };
        var graph = new Option<bool>("--graph") { Description = "Produce a graph of the result times" };
        var workers = new Option<int>("--workers") { Description = "Reply receiver connections (each its own NATS connection in one queue group)", DefaultValueFactory = _ => 3 };

        var cmd = new Command("ping", "Low level network connectivity test");
        filters.AddTo(cmd, discoveryFlags: false, nodes: false);
        foreach (var o in new Option[] { silent, names, expect, timeout, graph, workers })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!filters.TryBuild(parse, out var filter, out var error))
            {
                throw new ChoriaClientException(error);
            }

            var seconds = parse.GetValue(timeout);
            await using var session = await ClientSession.OpenAsync(parse, seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null, filters.FederationsValue(parse), ct2, receivers: () => ChoriaClientOptions.ReceiversFor(parse.GetValue(workers), parse.GetValue(expect)));
            var wait = seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : session.Client.Options.DiscoveryTimeout;
            var onlyNames = parse.GetValue(names);
            var quiet = parse.GetValue(silent);
            var replies = await session.Client.PingAsync(
                filters.Collective(parse),
                filter,
                wait,
                parse.GetValue(expect),
                r =>
                {
                    if (onlyNames)
                    {
                        output.WriteLine(r.Sender);
                    }
                    else if (!quiet)
                    {
                        output.WriteLine(PingRenderer.Line(r));
                    }
                },
                ct2);

            if (onlyNames)
            {
                return 0;
            }

            if (!quiet)
            {
                output.WriteLine();
                output.WriteLine();
            }

            output.WriteLine("---- ping statistics ----");
            if (replies.Count == 0)
            {
                throw new ChoriaClientException("no responses received");
            }

            output.WriteLine(PingRenderer.Statistics(replies));
            if (parse.GetValue(graph))
            {
                output.WriteLine();
                output.WriteLine(PingRenderer.Graph(replies));
            }

            return 0;
        }, ct));
        return cmd;
    }
}
