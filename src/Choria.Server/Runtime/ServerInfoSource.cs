using System.Text.Json;
using Choria.Config;
using Choria.Config.Settings;
using Choria.Protocol.Filters;
using Choria.Server.Agents;
using Choria.Server.Data;

namespace Choria.Server.Runtime;

/// <summary>The running daemon as the built-in agents and filters see it (docs/server.md).</summary>
public sealed class ServerInfoSource(
    ServerOptions options,
    ChoriaConfig config,
    AgentRegistry agents,
    FactsSource facts,
    ClassesSource classes,
    ServerCounters counters,
    Func<string> connectedServer,
    Func<ConnectorInfo> connector,
    DateTimeOffset startTime) : IServerInfo
{
    public string Identity => options.Identity;

    public IReadOnlyList<string> Collectives => options.Collectives;

    public string MainCollective => options.MainCollective;

    public string Version => config.Build.Version;

    public DateTimeOffset StartTime => startTime;

    public string ConfigFile => options.ConfigFile;

    public string ConnectedServer => connectedServer();

    /// <summary>Set by the machines component (docs/machines.md) while it runs.</summary>
    public IMachineHost? Machines { get; set; }

    public ServerStats Stats() => counters.Snapshot();

    public IReadOnlyList<string> KnownAgents() => agents.KnownAgents();

    public IReadOnlyList<AgentMetadata> AgentMetadata() => agents.AllMetadata();

    public JsonElement Facts() => facts.Facts();

    public IReadOnlyList<string> Classes() => classes.Classes();

    /// <summary>Known settings report their effective value (default included); anything else is unknown.</summary>
    public string? ConfigItem(string key) =>
        config.Raw(key) ?? (SettingsTable.Find(key) is not null && !key.Contains('<', StringComparison.Ordinal) ? config.GetString(key) : null);

    public ConnectorInfo Connector() => connector();

    /// <summary>
    /// Filter input for <paramref name="filter"/>, read now: identity and known agents always, classes and facts only
    /// when the filter can look at them, since each costs a file stat per request and most requests filter on neither.
    /// </summary>
    public NodeData NodeData(Filter filter)
    {
        var compound = filter.Compound.Count > 0;
        return new(
            options.Identity,
            compound || filter.CfClass.Count > 0 ? classes.Classes() : [],
            agents.KnownAgents(),
            compound || filter.Fact.Count > 0 ? facts.Facts() : default);
    }
}
