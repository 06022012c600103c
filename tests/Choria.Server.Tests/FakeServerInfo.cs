using System.Text.Json;
using Choria.Server.Agents;

namespace Choria.Server.Tests;

internal sealed class FakeServerInfo : IServerInfo
{
    public string Identity { get; init; } = "node1.example.net";

    public IReadOnlyList<string> Collectives { get; init; } = ["mcollective", "other"];

    public string MainCollective { get; init; } = "mcollective";

    public string Version { get; init; } = "0.13.0";

    public DateTimeOffset StartTime { get; init; } = DateTimeOffset.FromUnixTimeSeconds(1578171600);

    public string ConfigFile { get; init; } = "/etc/choria/server.conf";

    public string ConnectedServer { get; init; } = "nats://broker:4222";

    public ServerStats StatsValue { get; init; } = new() { Total = 12, Validated = 10, Unvalidated = 1, Passed = 10, Filtered = 1 };

    public JsonElement FactsValue { get; init; } = JsonDocument.Parse("""{"string":"hello world","inumber":1,"nested":{"string":"nested hello world"}}""").RootElement;

    public IReadOnlyList<string> ClassesValue { get; init; } = ["role::testing", "testing", "apache"];

    public Dictionary<string, string> Config { get; init; } = new() { ["identity"] = "node1.example.net" };

    public List<AgentMetadata> Agents { get; init; } = [];

    public IMachineHost? Machines { get; init; }

    public ConnectorInfo ConnectorValue { get; init; } = new() { Servers = ["nats://broker:4222"], MiddlewareServers = ["broker:4222"] };

    public ServerStats Stats() => StatsValue;

    public IReadOnlyList<string> KnownAgents() => [.. Agents.Select(a => a.Name).Order(StringComparer.Ordinal)];

    public IReadOnlyList<AgentMetadata> AgentMetadata() => Agents;

    public JsonElement Facts() => FactsValue;

    public IReadOnlyList<string> Classes() => ClassesValue;

    public string? ConfigItem(string key) => Config.GetValueOrDefault(key);

    public ConnectorInfo Connector() => ConnectorValue;
}
