using System.Text.Json;
using Choria.Config;
using Choria.Sdk;
using Choria.Server.Agents.Providers;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Plugins;

/// <summary>
/// Hosts the agents compiled into the binary (the <c>.NET MCollective</c> provider, Go's <c>golangmco</c>): builds
/// each agent plugin for this server and adds it through the sink. One agent that fails to build or clashes with
/// another is logged and left out; the server serves the rest.
/// </summary>
internal sealed partial class CompiledAgentProvider(IEnumerable<CompiledPlugin> agents, ChoriaConfig config, string identity, string version, Func<JsonElement> facts) : IAgentProvider
{
    public const string ProviderName = "dotnet";

    public const string Title = ".NET MCollective Agent Compatibility";

    public string Name => ProviderName;

    public string Version => version;

    public async Task StartAsync(IAgentSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var logger = sink.Loggers.CreateLogger<CompiledAgentProvider>();
        foreach (var plugin in agents)
        {
            var agentLogger = sink.Loggers.CreateLogger($"Choria.Server.Agents.{plugin.Name}");
            try
            {
                var context = new AgentContext(plugin.Name, config, identity, version, facts, agentLogger);
                var agent = SdkAgentAdapter.Create(plugin.Name, (AgentFactory)plugin.Instance, context, sink.McorpcOptions, agentLogger);
                var result = await sink.AddAsync(agent, cancellationToken);
                if (!result.Success)
                {
                    LogNotRegistered(logger, plugin.Name, result.Error ?? "");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e, plugin.Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not register compiled-in agent {Agent}: {Error}")]
    private static partial void LogNotRegistered(ILogger logger, string agent, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not create compiled-in agent {Agent}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string agent);

    private sealed class AgentContext(string agent, ChoriaConfig config, string identity, string version, Func<JsonElement> facts, ILogger logger) : IAgentContext
    {
        public string Identity => identity;

        public string ServerVersion => version;

        public JsonElement Facts => facts();

        public ILogger Logger => logger;

        public TimeProvider Clock => TimeProvider.System;

        public string? Config(string key) => config.Raw($"plugin.{agent}.{key}");
    }
}
