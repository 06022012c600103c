using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Choria.Client;
using Choria.Protocol.Filters;

namespace Choria.Cli.Commands.Shared;

/// <summary>The discovery and filter flags shared by ping, req, discover, facts and inventory (docs/client.md).</summary>
internal sealed class FilterOptions
{
    public Option<string[]> Facts { get; } = Repeatable("--wf", "-F", "Match hosts with a certain fact");

    public Option<string[]> Classes { get; } = Repeatable("--wc", "-C", "Match hosts with a certain configuration management class");

    public Option<string[]> Agents { get; } = Repeatable("--wa", "-A", "Match hosts with a certain Choria agent");

    public Option<string[]> Identities { get; } = Repeatable("--wi", "-I", "Match hosts with a certain Choria identity");

    public Option<string[]> Combined { get; } = Repeatable("--with", "-W", "Combined classes and facts filter");

    public Option<string[]> Select { get; } = Repeatable("--select", "-S", "Match hosts using a compound expression (expr: prefix for expr-lang)");

    public Option<string?> Target { get; } = new("--target", "-T") { Description = "Target a specific sub collective" };

    public Option<int?> DiscoveryTimeout { get; } = new("--discovery-timeout") { Description = "Timeout for doing discovery (seconds)" };

    public Option<double?> DiscoveryWindow { get; } = new("--discovery-window") { Description = "Stop discovery once no new node answered for this many seconds (experimental)" };

    public Option<FileInfo> Nodes { get; } = new Option<FileInfo>("--nodes") { Description = "List of nodes to interact with (text, one per line, or a JSON array)" }.AcceptExistingOnly();

    public Option<string?> Federations { get; } = new("--federations") { Description = "List of federations to search for collectives in (comma separated)" };

    /// <param name="nodes">Commands with <c>--nodes</c> and the discovery timeout flags.</param>
    public void AddTo(Command command, bool discoveryFlags = true, bool nodes = true)
    {
        foreach (var option in new Option[] { Facts, Classes, Agents, Identities, Combined, Select, Target, Federations })
        {
            command.Options.Add(option);
        }

        if (discoveryFlags)
        {
            command.Options.Add(DiscoveryTimeout);
            command.Options.Add(DiscoveryWindow);
        }

        if (nodes)
        {
            command.Options.Add(Nodes);
        }
    }

    /// <summary>Builds the filter from the flags; an unparsable fact or compound filter is a user error, reported before any I/O.</summary>
    public bool TryBuild(ParseResult parse, [NotNullWhen(true)] out Filter? filter, [NotNullWhen(false)] out string? error)
    {
        filter = null;
        var builder = new FilterBuilder();
        foreach (var fact in parse.GetValue(Facts) ?? [])
        {
            if (!builder.TryAddFact(fact, out var factError))
            {
                error = $"Could not parse fact {fact} it does not appear to be in a valid format: {factError}";
                return false;
            }
        }

        foreach (var c in parse.GetValue(Classes) ?? [])
        {
            builder.AddClass(c);
        }

        foreach (var a in parse.GetValue(Agents) ?? [])
        {
            builder.AddAgent(a);
        }

        foreach (var i in parse.GetValue(Identities) ?? [])
        {
            builder.AddIdentity(i);
        }

        foreach (var w in parse.GetValue(Combined) ?? [])
        {
            builder.AddCombined(w);
        }

        var expressions = new List<List<JsonElement>>();
        foreach (var s in parse.GetValue(Select) ?? [])
        {
            if (s.StartsWith("expr:", StringComparison.Ordinal))
            {
                expressions.Add([ExprElement(s["expr:".Length..])]);
            }
            else if (!builder.TryAddCompound(s, out var compoundError))
            {
                error = $"invalid compound filter '{s}': {compoundError}";
                return false;
            }
        }

        filter = builder.Build();
        if (expressions.Count > 0)
        {
            filter = filter with { Compound = [.. filter.Compound, .. expressions] };
        }

        error = null;
        return true;
    }

    public string? Collective(ParseResult parse) => parse.GetValue(Target) is { Length: > 0 } t ? t : null;

    public TimeSpan? DiscoveryTimeoutValue(ParseResult parse) => parse.GetValue(DiscoveryTimeout) is { } s && s > 0 ? TimeSpan.FromSeconds(s) : null;

    public TimeSpan? DiscoveryWindowValue(ParseResult parse) => parse.GetValue(DiscoveryWindow) is { } s && s > 0 ? TimeSpan.FromSeconds(s) : null;

    public IReadOnlyList<string>? FederationsValue(ParseResult parse) =>
        parse.GetValue(Federations) is { } f ? [.. f.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : null;

    /// <summary>Reads <c>--nodes</c>; null when the flag is absent.</summary>
    public IReadOnlyList<string>? NodesValue(ParseResult parse)
    {
        if (parse.GetValue(Nodes) is not { } file)
        {
            return null;
        }

        return NodeSelection.TryReadNodesFile(file.FullName, out var nodes, out var error) ? nodes : throw new ChoriaClientException(error);
    }

    /// <summary>The <c>[{"expr":"..."}]</c> statement later servers evaluate with expr-lang.</summary>
    internal static JsonElement ExprElement(string expression)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("expr", expression);
            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    private static Option<string[]> Repeatable(string name, string alias, string description) => new(name, alias)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };
}
