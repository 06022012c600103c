using System.Collections.Concurrent;
using Choria.Ddl.Ruby;
using Choria.Server.Agents;
using Choria.Server.Agents.Providers;
using Choria.Server.Agents.Providers.Ruby;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Tests.RubyAgents;

/// <summary>
/// Real Ruby and real MCollective (Debian's ruby and mcollective-common, installed by test.sh): the sample agents
/// of tests/fixtures/agents/ruby, a private DDL cache, and a server configuration file the shim reads.
/// </summary>
public sealed class RubyAgentFixture : IDisposable
{
    public RubyAgentFixture()
    {
        Root = Directory.CreateTempSubdirectory("choria-ruby-tests-").FullName;
        ConfigFile = Path.Combine(Root, "server.conf");
        File.WriteAllText(ConfigFile, """
            identity = ruby.example.net
            plugin.configured.greeting = hello from the server config
            """);
        Options = new RubyAgentProviderOptions
        {
            LibDirs = [LibDir],
            Shim = Shim,
            ShimConfig = ConfigFile,
            Converter = new RubyDdlConverterOptions { CacheDirectory = Path.Combine(Root, "cache") },
        };
        Specs = new RubyAgentProvider(Options).DiscoverAsync(null, CancellationToken.None).GetAwaiter().GetResult()
            .ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public static string LibDir => TestPaths.Fixture("agents", "ruby");

    public static string AgentDir => Path.Combine(LibDir, "mcollective", "agent");

    /// <summary>The shim as shipped (build.sh copies this file beside dist/choria).</summary>
    public static string Shim => Path.Combine(TestPaths.RepoRoot, "src", "Choria.Server", "Agents", "Providers", "Ruby", RubyAgentProviderOptions.ShimFileName);

    public string Root { get; }

    public string ConfigFile { get; }

    public RubyAgentProviderOptions Options { get; }

    public IReadOnlyDictionary<string, RubyAgentSpec> Specs { get; }

    public McorpcAgent Agent(string name, RubyAgentProviderOptions? options = null, CapturingLoggerFactory? loggers = null) =>
        new RubyAgentProvider(options ?? Options).CreateAgent(Specs[name], new McorpcAgentOptions(), loggers ?? new CapturingLoggerFactory());

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>Stands in for the server side of the provider contract: records what the provider registers.</summary>
internal sealed class RecordingSink(CapturingLoggerFactory loggers) : IAgentSink
{
    public ConcurrentDictionary<string, IAgent> Agents { get; } = new(StringComparer.Ordinal);

    public McorpcAgentOptions McorpcOptions { get; } = new();

    public ILoggerFactory Loggers => loggers;

    public ValueTask<AgentRegistrationResult> AddAsync(IAgent agent, CancellationToken cancellationToken)
    {
        Agents[agent.Metadata.Name] = agent;
        return ValueTask.FromResult(new AgentRegistrationResult(AgentRegistrationStatus.Registered, null));
    }

    public ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult(Agents.TryRemove(name, out _));
}
