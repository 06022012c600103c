using System.CommandLine;
using Choria.Cli.Commands.Shared;
using Choria.Cli.Hosting;
using Choria.Cli.Rendering;
using Choria.Client;
using Choria.Ddl;

namespace Choria.Cli.Commands;

/// <summary><c>choria inventory NODE</c> and <c>choria inventory --collectives</c> (docs/client.md).</summary>
public static class InventoryCommand
{
    public static Command Create()
    {
        var filters = new FilterOptions();
        var identity = new Argument<string?>("identity") { Description = "The node to report on", Arity = ArgumentArity.ZeroOrOne };
        var facts = new Option<bool>("--facts") { Description = "Show the node facts", DefaultValueFactory = _ => true };
        var collectives = new Option<bool>("--collectives") { Description = "Produce a report of collective membership" };
        var json = new Option<bool>("--json", "-j") { Description = "Produce JSON output" };
        var cmd = new Command("inventory", "Reports on a node inventory or collective membership");
        cmd.Arguments.Add(identity);
        filters.AddTo(cmd);
        cmd.Options.Add(facts);
        cmd.Options.Add(collectives);
        cmd.Options.Add(json);
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(identity) is null && !r.GetValue(collectives))
            {
                r.AddError("an identity or --collectives is required");
            }
        });

        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!filters.TryBuild(parse, out var filter, out var error))
            {
                throw new ChoriaClientException(error);
            }

            var ddl = DdlLoader.LoadBuiltin("rpcutil").Ddl;
            await using var session = await ClientSession.OpenAsync(parse, filters.DiscoveryTimeoutValue(parse), filters.FederationsValue(parse), ct2);
            var client = session.Client;
            var colour = Colour.ForConsole(output);
            if (parse.GetValue(collectives))
            {
                var info = await client.RequestAsync(
                    new RpcOptions
                    {
                        Agent = "rpcutil",
                        Action = "collective_info",
                        Ddl = ddl,
                        Filter = filter,
                        Collective = filters.Collective(parse),
                        Nodes = filters.NodesValue(parse),
                        DiscoveryTimeout = filters.DiscoveryTimeoutValue(parse),
                    },
                    ct2);
                var counts = InventoryRenderer.CollectiveCounts(info.Replies.Where(r => r.Ok).Select(r => r.Data));
                if (parse.GetValue(json))
                {
                    output.WriteLine(InventoryRenderer.CollectivesJson(counts, info.Stats));
                    return 0;
                }

                output.WriteLine(InventoryRenderer.CollectiveTitle(info.Stats.Ok));
                output.WriteLine();
                SpectreText.Write(output, InventoryRenderer.CollectiveTable(counts), colour.Enabled);
                RpcTextRenderer.NoResponses(output, info.Stats, false);
                return 0;
            }

            var node = parse.GetValue(identity)!;
            RpcOptions Call(string action) => new() { Agent = "rpcutil", Action = action, Ddl = ddl, Collective = filters.Collective(parse), Nodes = [node] };
            var inventory = await client.RequestAsync(Call("inventory"), ct2);
            var stats = await client.RequestAsync(Call("daemon_stats"), ct2);
            var inv = inventory.Replies.FirstOrDefault(r => r.Sender == node);
            if (inv is null)
            {
                throw new ChoriaClientException($"no inventory received from {node}");
            }

            if (!inv.Ok)
            {
                throw new ChoriaClientException($"inventory failed on {node}: {inv.StatusMessage}");
            }

            var st = stats.Replies.FirstOrDefault(r => r.Sender == node && r.Ok);
            if (parse.GetValue(json))
            {
                output.WriteLine(InventoryRenderer.NodeJson(node, inv.Data, st?.Data ?? default, parse.GetValue(facts)));
                return 0;
            }

            InventoryRenderer.Node(output, node, inv.Data, st?.Data ?? default, parse.GetValue(facts));
            return 0;
        }, ct));
        return cmd;
    }
}
