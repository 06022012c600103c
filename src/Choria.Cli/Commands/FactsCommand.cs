using System.CommandLine;
using System.Text.Json.Nodes;
using Choria.Cli.Commands.Shared;
using Choria.Cli.Hosting;
using Choria.Cli.Rendering;
using Choria.Client;
using Choria.Ddl;

namespace Choria.Cli.Commands;

/// <summary><c>choria facts FACT</c>: distribution of a fact's values across the matching nodes (docs/client.md).</summary>
public static class FactsCommand
{
    public static Command Create()
    {
        var filters = new FilterOptions();
        var fact = new Argument<string>("fact") { Description = "The fact to report on" };
        var reverse = new Option<bool>("--reverse", "-r") { Description = "Reverse the sort order" };
        var showNodes = new Option<bool>("--node-names", "-n") { Description = "Show the names of the nodes having each value" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Verbose output (includes node names)" };
        var table = new Option<bool>("--table", "-t") { Description = "Produce a table of results" };
        var json = new Option<bool>("--json", "-j") { Description = "Produce JSON output" };
        var cmd = new Command("facts", "Reports on the values of a fact across the fleet");
        cmd.Arguments.Add(fact);
        filters.AddTo(cmd);
        foreach (var o in new Option[] { reverse, showNodes, verbose, table, json })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var output = parse.InvocationConfiguration.Output;
            var name = parse.GetValue(fact)!;
            if (!filters.TryBuild(parse, out var filter, out var error))
            {
                throw new ChoriaClientException(error);
            }

            var ddl = DdlLoader.LoadBuiltin("rpcutil").Ddl;
            var nodes = filters.NodesValue(parse);
            await using var session = await ClientSession.OpenAsync(parse, filters.DiscoveryTimeoutValue(parse), filters.FederationsValue(parse), ct2);
            var result = await session.Client.RequestAsync(
                new RpcOptions
                {
                    Agent = "rpcutil",
                    Action = "get_fact",
                    Data = new JsonObject { ["fact"] = name },
                    Ddl = ddl,
                    Filter = filter,
                    Collective = filters.Collective(parse),
                    Nodes = nodes,
                    DiscoveryTimeout = filters.DiscoveryTimeoutValue(parse),
                    DiscoveryWindow = filters.DiscoveryWindowValue(parse),
                },
                ct2);
            if (result.Stats.Ok == 0)
            {
                throw new ChoriaClientException("no responses received");
            }

            var groups = FactsRenderer.Group(result.Replies, parse.GetValue(reverse));
            var names = parse.GetValue(showNodes) || parse.GetValue(verbose);
            var colour = Colour.ForConsole(output);
            if (parse.GetValue(json))
            {
                output.WriteLine(FactsRenderer.Json(groups));
                return 0;
            }

            if (parse.GetValue(table))
            {
                SpectreText.Write(output, FactsRenderer.Table(groups, names), colour.Enabled);
            }
            else
            {
                FactsRenderer.Text(output, name, groups, names);
            }

            RpcTextRenderer.Footer(output, result.Stats, false, colour);
            return 0;
        }, ct));
        return cmd;
    }
}
