using System.CommandLine;
using System.Globalization;
using Choria.Cli.Commands.Shared;
using Choria.Cli.Hosting;
using Choria.Cli.Rendering;
using Choria.Client;

namespace Choria.Cli.Commands;

/// <summary><c>choria discover</c> (alias <c>find</c>): list the nodes matching the filters (docs/client.md).</summary>
public static class DiscoverCommand
{
    public static Command Create()
    {
        var filters = new FilterOptions();
        var json = new Option<bool>("--json", "-j") { Description = "Produce JSON output" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log verbosely" };
        var cmd = new Command("discover", "Discover nodes using the discovery system matching filter criteria");
        cmd.Aliases.Add("find");
        filters.AddTo(cmd);
        cmd.Options.Add(json);
        cmd.Options.Add(verbose);
        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!filters.TryBuild(parse, out var filter, out var error))
            {
                throw new ChoriaClientException(error);
            }

            IReadOnlyList<string> nodes;
            TimeSpan elapsed;
            var method = "broadcast";
            if (filters.NodesValue(parse) is { } fromFile)
            {
                (nodes, elapsed, method) = (fromFile, TimeSpan.Zero, "flatfile");
            }
            else
            {
                await using var session = await ClientSession.OpenAsync(parse, filters.DiscoveryTimeoutValue(parse), filters.FederationsValue(parse), ct2);
                var result = await session.Client.DiscoverAsync(
                    new DiscoveryOptions { Collective = filters.Collective(parse), Filter = filter, Timeout = filters.DiscoveryTimeoutValue(parse), Window = filters.DiscoveryWindowValue(parse) },
                    ct2);
                (nodes, elapsed) = (result.Nodes, result.Elapsed);
            }

            var sorted = nodes.Order(StringComparer.Ordinal).ToList();
            if (parse.GetValue(json))
            {
                output.WriteLine(RpcJsonRenderer.Senders(sorted));
            }
            else
            {
                foreach (var node in sorted)
                {
                    output.WriteLine(node);
                }
            }

            if (parse.GetValue(verbose) && !parse.GetValue(json))
            {
                output.WriteLine();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Discovered {sorted.Count} nodes using the {method} method in {elapsed.TotalSeconds:0.00} seconds"));
            }

            return 0;
        }, ct));
        return cmd;
    }
}
