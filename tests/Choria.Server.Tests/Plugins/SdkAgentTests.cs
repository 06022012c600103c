using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Choria.Config;
using Choria.Sdk;
using Choria.Server.Agents;
using Choria.Server.Agents.Providers;
using Choria.Server.Plugins;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests.Plugins;

public class SdkAgentTests
{
    private const string Ddl = """
        {
          "$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
          "metadata": {"name": "greeter", "description": "Greets", "author": "t", "license": "Apache-2.0", "version": "2.0.0", "url": "https://example.net", "timeout": 5},
          "actions": [
            {"action": "greet", "description": "greets", "display": "always",
             "input": {"name": {"prompt": "Name", "description": "who", "type": "string", "validation": "^[a-z]+$", "maxlength": 10, "optional": false}},
             "output": {"greeting": {"description": "g", "display_as": "Greeting", "type": "string"},
                        "mood": {"description": "m", "display_as": "Mood", "type": "string", "default": "cheerful"}}},
            {"action": "fail", "description": "throws", "display": "always", "input": {}, "output": {}},
            {"action": "typed", "description": "typed", "display": "always", "input": {}, "output": {}}
          ]
        }
        """;

    [Fact]
    public async Task Actions_run_with_the_server_steps_ddl_validation_output_defaults_caller_and_config()
    {
        var agent = Create(new Greeter.Plugin(withDdl: true));

        Assert.Equal("2.0.0", agent.Metadata.Version);
        Assert.Equal(5, agent.Metadata.Timeout);

        var ok = await AgentCall.RunAsync(agent, "greet", """{"name":"bob"}""");
        Assert.Equal(0, ok.GetProperty("statuscode").GetInt32());
        Assert.Equal("hi bob from choria=rip.mcollective on node1, said loudly", ok.GetProperty("data").GetProperty("greeting").GetString());
        Assert.Equal("cheerful", ok.GetProperty("data").GetProperty("mood").GetString());

        var invalid = await AgentCall.RunAsync(agent, "greet", """{"name":"BOB"}""");
        Assert.Equal(4, invalid.GetProperty("statuscode").GetInt32());
        Assert.StartsWith("Validation failed:", invalid.GetProperty("statusmsg").GetString(), StringComparison.Ordinal);

        var failed = await AgentCall.RunAsync(agent, "fail");
        Assert.Equal(5, failed.GetProperty("statuscode").GetInt32());
        Assert.Equal("greeter#fail failed: boom", failed.GetProperty("statusmsg").GetString());

        var unknown = await AgentCall.RunAsync(agent, "nope");
        Assert.Equal(2, unknown.GetProperty("statuscode").GetInt32());
    }

    [Fact]
    public async Task Typed_actions_decode_inputs_and_encode_outputs_through_the_plugins_json_context()
    {
        var agent = Create(new Greeter.Plugin(withDdl: false));
        Assert.Equal("1.0.0", agent.Metadata.Version);

        var reply = await AgentCall.RunAsync(agent, "typed", """{"count":3}""");

        Assert.Equal(0, reply.GetProperty("statuscode").GetInt32());
        Assert.Equal(6, reply.GetProperty("data").GetProperty("doubled").GetInt32());

        var bad = await AgentCall.RunAsync(agent, "typed", """{"count":"x"}""");
        Assert.Equal(4, bad.GetProperty("statuscode").GetInt32());
    }

    [Fact]
    public void An_agent_named_differently_from_its_plugin_is_refused()
    {
        var plugin = new Greeter.Plugin(withDdl: false);
        var e = Assert.Throws<PluginRegistrationException>(() =>
            SdkAgentAdapter.Create("other", (AgentFactory)plugin.PluginInstance, new Context(), new McorpcAgentOptions(), NullLogger.Instance));
        Assert.Equal("agent plugin other provides an agent named 'greeter': the names must match", e.Message);
    }

    [Fact]
    public async Task The_compiled_agent_provider_adds_each_agent_and_skips_one_that_fails()
    {
        var registry = new CompiledPlugins();
        registry.Register("greeter", new Greeter.Plugin(withDdl: true));
        registry.Register("broken", new AgentPlugin("broken", "1.0.0", _ => throw new InvalidOperationException("cannot build")));
        var config = ConfigLoader.LoadText("plugin.greeter.volume = softly\n", options: new ConfigLoadOptions { Role = ConfigRole.Server }).Config;
        var provider = new CompiledAgentProvider(registry.OfType(PluginType.Agent), config, "node2", "9.9.9", () => JsonDocument.Parse("{}").RootElement);
        var sink = new ListSink();

        await provider.StartAsync(sink, CancellationToken.None);

        var agent = Assert.Single(sink.Agents);
        var reply = await AgentCall.RunAsync(agent, "greet", """{"name":"amy"}""");
        Assert.Equal("hi amy from choria=rip.mcollective on node2, said softly", reply.GetProperty("data").GetProperty("greeting").GetString());
    }

    private static McorpcAgent Create(Greeter.Plugin plugin) =>
        SdkAgentAdapter.Create("greeter", (AgentFactory)plugin.PluginInstance, new Context(), new McorpcAgentOptions(), NullLogger.Instance);

    private sealed class Context : IAgentContext
    {
        public string Identity => "node1";

        public string ServerVersion => "1.0.0";

        public JsonElement Facts => JsonDocument.Parse("{}").RootElement;

        public ILogger Logger => NullLogger.Instance;

        public TimeProvider Clock => TimeProvider.System;

        public string? Config(string key) => key == "volume" ? "loudly" : null;
    }

    private sealed class ListSink : IAgentSink
    {
        public List<IAgent> Agents { get; } = [];

        public McorpcAgentOptions McorpcOptions { get; } = new();

        public ILoggerFactory Loggers => NullLoggerFactory.Instance;

        public ValueTask<AgentRegistrationResult> AddAsync(IAgent agent, CancellationToken cancellationToken)
        {
            Agents.Add(agent);
            return ValueTask.FromResult(new AgentRegistrationResult(AgentRegistrationStatus.Registered, null));
        }

        public ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult(false);
    }

    internal sealed class Greeter(IAgentContext context, bool withDdl) : Agent(context)
    {
        public override AgentInfo Info { get; } = new() { Name = "greeter", Version = "1.0.0", Timeout = 3 };

        public override string? DdlJson => withDdl ? Ddl : null;

        public override void RegisterActions(ActionMap actions)
        {
            actions.Add("greet", (request, _) => ValueTask.FromResult(ActionResult.Ok(new JsonObject
            {
                ["greeting"] = $"hi {request.GetString("name")} from {request.CallerId} on {Context.Identity}, said {Context.Config("volume")}",
            })));
            actions.Add("fail", (_, _) => throw new InvalidOperationException("boom"));
            actions.Add("typed", TypedJson.Default.Count, TypedJson.Default.Doubled, (input, _, _) => ValueTask.FromResult(new Doubled(input.Value * 2)));
        }

        public sealed class Plugin(bool withDdl) : AgentPlugin("greeter", "1.0.0", context => new Greeter(context, withDdl));
    }

    internal sealed record Count([property: JsonPropertyName("count")] int Value);

    internal sealed record Doubled([property: JsonPropertyName("doubled")] int Value);
}

[JsonSerializable(typeof(SdkAgentTests.Count))]
[JsonSerializable(typeof(SdkAgentTests.Doubled))]
internal sealed partial class TypedJson : JsonSerializerContext;
