using System.Text.RegularExpressions;
using Choria.Ddl;
using Choria.Ddl.Ruby;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Agents.Providers.Ruby;

/// <summary>
/// Hosts MCollective Ruby agents (docs/agents.md, "Ruby agents"): finds <c>&lt;name&gt;.rb</c> with its DDL
/// under each <c>&lt;libdir&gt;/mcollective/agent/</c>, converts Ruby <c>.ddl</c> files to JSON when no JSON DDL
/// ships, and registers one mcorpc agent per DDL whose actions run in the Ruby shim, one process per request.
/// </summary>
public sealed partial class RubyAgentProvider(RubyAgentProviderOptions options) : IAgentProvider
{
    /// <summary>Built-in agents a Ruby agent may not replace.</summary>
    public static readonly IReadOnlySet<string> RefusedNames = new HashSet<string>(StringComparer.Ordinal) { "rpcutil", "choria_util", "discovery" };

    /// <summary>How <c>choria buildinfo</c> lists it under "Agent Providers".</summary>
    public const string Title = "Ruby MCollective Agent Compatibility";

    public string Name => "ruby";

    public string Version => typeof(RubyAgentProvider).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public async Task StartAsync(IAgentSink sink, CancellationToken cancellationToken)
    {
        var logger = sink.Loggers.CreateLogger<RubyAgentProvider>();
        var shim = new RubyShim(options, sink.Loggers.CreateLogger<RubyShim>());
        var specs = await DiscoverAsync(logger, cancellationToken);

        // Each activation check is a Ruby start (~0.5 s) and the server subscribes only after providers start,
        // so they run side by side, one per core.
        var active = new bool[specs.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, specs.Count), parallel, async (i, ct) => active[i] = await IsActiveAsync(specs[i], shim, logger, ct));

        for (var i = 0; i < specs.Count; i++)
        {
            if (active[i])
            {
                var result = await sink.AddAsync(CreateAgent(specs[i], sink.McorpcOptions, sink.Loggers), cancellationToken);
                LogRegistered(logger, specs[i].Name, specs[i].Ddl.Source, result);
            }
        }
    }

    private async Task<bool> IsActiveAsync(RubyAgentSpec spec, RubyShim shim, ILogger logger, CancellationToken cancellationToken)
    {
        if (!options.IsActivatedByConfig(spec.Name))
        {
            LogDisabledByConfig(logger, spec.Name, spec.Name);
            return false;
        }

        if (!options.CheckActivation)
        {
            return true;
        }

        var (activate, error) = await shim.ActivationAsync(spec, cancellationToken);
        if (!activate)
        {
            if (error is null)
            {
                LogNotActivated(logger, spec.Name);
            }
            else
            {
                LogActivationFailed(logger, spec.Name, spec.AgentFile, error);
            }
        }

        return activate;
    }

    /// <summary>Finds the Ruby agents of every libdir; the first libdir holding a name wins.</summary>
    public async Task<IReadOnlyList<RubyAgentSpec>> DiscoverAsync(ILogger? logger, CancellationToken cancellationToken)
    {
        logger ??= NullLogger.Instance;
        var converter = new RubyDdlConverter(options.Converter, logger);
        var found = new Dictionary<string, RubyAgentSpec>(StringComparer.Ordinal);
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchType = MatchType.Simple };
        foreach (var libdir in options.LibDirs)
        {
            var agentDir = Path.Combine(libdir, "mcollective", "agent");
            if (!Directory.Exists(agentDir))
            {
                LogNoAgentDir(logger, agentDir);
                continue;
            }

            foreach (var rb in Directory.EnumerateFiles(agentDir, "*.rb", walk).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(rb);
                var topLevel = Path.GetDirectoryName(rb) == agentDir;
                if (!AgentName().IsMatch(name))
                {
                    continue;
                }

                if (found.TryGetValue(name, out var first))
                {
                    LogDuplicate(logger, name, rb, first.AgentFile);
                    continue;
                }

                if (RefusedNames.Contains(name))
                {
                    LogRefused(logger, name, rb);
                    continue;
                }

                var ddl = await LoadDdlAsync(rb, name, topLevel, converter, logger, cancellationToken);
                if (ddl is null)
                {
                    continue;
                }

                found[name] = new RubyAgentSpec(name, rb, ddl);
            }
        }

        return [.. found.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>The mcorpc agent for <paramref name="spec"/>: one shim-backed handler per DDL action.</summary>
    public McorpcAgent CreateAgent(RubyAgentSpec spec, McorpcAgentOptions mcorpc, ILoggerFactory loggers)
    {
        var shim = new RubyShim(options, loggers.CreateLogger<RubyShim>());
        // MCollective's own handlemsg checks the inputs against the DDL inside the shim, as under mcollectived (and
        // as Go leaves it): checking here first would answer with other texts than the ones Ruby clients know.
        // An action the DDL does not declare is refused as MCollective's DDL check refuses it under mcollectived
        // (status 4, its text), without starting Ruby. One the DDL declares but the .rb lacks reaches the shim,
        // whose handlemsg answers 2 "Unknown action 'x' for agent 'y'", also as under mcollectived.
        var agent = new McorpcAgent(AgentMetadata.FromDdl(spec.Ddl.Metadata), spec.Ddl, mcorpc with
        {
            ValidateInputs = false,
            UnknownAction = UndeclaredAction,
            // The shim is killed just before the DDL timeout; this second lets its "was killed" reply through even
            // on a busy machine instead of the dispatcher dropping it.
            DispatchGrace = TimeSpan.FromSeconds(1),
        }, loggers.CreateLogger<McorpcAgent>());
        foreach (var action in spec.Ddl.Actions)
        {
            agent.RegisterAction(action.Action, (request, ct) => new ValueTask<ActionReply>(shim.InvokeAsync(spec, request, ct)));
        }

        return agent;
    }

    /// <summary>MCollective 2.12's <c>DDL::AgentDDL#validate_rpc_request</c> answer to an action its DDL lacks.</summary>
    public static ActionReply UndeclaredAction(string agent, string action) =>
        ActionReply.Fail(RpcStatus.InvalidData, $"Attempted to call action {action} for {agent} but it's not declared in the DDL");

    private static async Task<AgentDdl?> LoadDdlAsync(string rb, string name, bool topLevel, RubyDdlConverter converter, ILogger logger, CancellationToken cancellationToken)
    {
        var dir = Path.GetDirectoryName(rb)!;
        var json = Path.Combine(dir, name + ".json");
        var ruby = Path.Combine(dir, name + ".ddl");
        DdlLoadResult? loaded = null;
        if (File.Exists(json))
        {
            loaded = DdlLoader.LoadFile(json);
            if (loaded.Ddl is { } jddl && !string.IsNullOrEmpty(jddl.Metadata.Provider) && jddl.Metadata.Provider != "ruby")
            {
                // Another provider's agent (external) that happens to sit beside a .rb of the same name.
                LogOtherProvider(logger, name, json, jddl.Metadata.Provider);
                return null;
            }

            if (!loaded.Success)
            {
                LogBadDdl(logger, name, json, loaded.Error ?? "");
                loaded = null;
            }
        }

        if (loaded is null && File.Exists(ruby))
        {
            loaded = await converter.LoadAsync(ruby, cancellationToken);
            if (!loaded.Success)
            {
                LogBadDdl(logger, name, ruby, loaded.Error ?? "");
                return null;
            }
        }

        if (loaded?.Ddl is not { } ddl)
        {
            if (topLevel)
            {
                LogNoDdl(logger, name, rb);
            }

            return null;
        }

        if (ddl.Metadata.Name != name)
        {
            LogNameMismatch(logger, name, ddl.Source, ddl.Metadata.Name);
            return null;
        }

        return ddl;
    }

    [GeneratedRegex("^[a-z0-9_]+$")]
    private static partial Regex AgentName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered Ruby agent {Agent} (DDL {Source}): {Result}")]
    private static partial void LogRegistered(ILogger logger, string agent, string source, AgentRegistrationResult result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ruby agent {Agent} is not activated: plugin.{Key}.activate_agent is not true")]
    private static partial void LogDisabledByConfig(ILogger logger, string agent, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ruby agent {Agent} is not activated: its activate? / activate_when said no")]
    private static partial void LogNotActivated(ILogger logger, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ruby agent {Agent} ({File}) is not activated: {Error}")]
    private static partial void LogActivationFailed(ILogger logger, string agent, string file, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ruby agent directory {Directory} does not exist")]
    private static partial void LogNoAgentDir(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring Ruby agent {Agent} at {File}: {First} has the same name and comes first")]
    private static partial void LogDuplicate(ILogger logger, string agent, string file, string first);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing Ruby agent {Agent} at {File}: a built-in agent has that name")]
    private static partial void LogRefused(ILogger logger, string agent, string file);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{File} belongs to the {Provider} provider, not a Ruby agent {Agent}")]
    private static partial void LogOtherProvider(ILogger logger, string agent, string file, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping Ruby agent {Agent}: its DDL {File} does not load: {Error}")]
    private static partial void LogBadDdl(ILogger logger, string agent, string file, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping Ruby agent {Agent} at {File}: it has no {Agent}.json or {Agent}.ddl beside it")]
    private static partial void LogNoDdl(ILogger logger, string agent, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping Ruby agent {Agent}: its DDL {File} names the agent {DdlName}")]
    private static partial void LogNameMismatch(ILogger logger, string agent, string file, string ddlName);
}
