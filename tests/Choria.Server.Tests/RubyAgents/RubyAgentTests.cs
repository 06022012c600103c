using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Choria.Protocol.Messages;
using Choria.Server.Agents;
using Choria.Server.Agents.Providers.Ruby;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Tests.RubyAgents;

/// <summary>The Ruby agent provider end to end: real ruby, real MCollective 2.12, the shipped shim.</summary>
[Trait("Requires", "ruby")]
public sealed class RubyAgentTests(RubyAgentFixture fixture) : IClassFixture<RubyAgentFixture>
{
    private static string Status(JsonElement reply) => $"{reply.GetProperty("statuscode").GetInt32()} {reply.GetProperty("statusmsg").GetString()}";

    private static JsonElement Data(JsonElement reply) => reply.GetProperty("data");

    [Fact]
    public async Task Discovery_finds_the_agents_and_warns_about_a_ddl_that_does_not_load()
    {
        Assert.Equal(["configured", "ddlonly", "failing", "inactive", "jsonddl", "sleeper"], fixture.Specs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(RubyAgentFixture.AgentDir, "ddlonly.ddl"), fixture.Specs["ddlonly"].Ddl.Source);
        Assert.Equal(Path.Combine(RubyAgentFixture.AgentDir, "jsonddl.json"), fixture.Specs["jsonddl"].Ddl.Source);

        var loggers = new CapturingLoggerFactory();
        await new RubyAgentProvider(fixture.Options).DiscoverAsync(loggers.CreateLogger("t"), CancellationToken.None);
        Assert.True(loggers.Logged(LogLevel.Warning, $"Skipping Ruby agent broken: its DDL {Path.Combine(RubyAgentFixture.AgentDir, "broken.ddl")} does not load"), string.Join("\n", loggers.Entries));
        Assert.True(loggers.Logged(LogLevel.Warning, "Input needs a :optional property"));
    }

    [Fact]
    public async Task Builtin_names_are_refused_and_other_providers_json_is_left_alone()
    {
        var libdir = Path.Combine(fixture.Root, "refused");
        var agents = Directory.CreateDirectory(Path.Combine(libdir, "mcollective", "agent")).FullName;
        foreach (var name in new[] { "rpcutil", "choria_util", "discovery" })
        {
            File.WriteAllText(Path.Combine(agents, name + ".rb"), "");
            File.Copy(TestPaths.Fixture("server", "ddl", "rpcutil.json"), Path.Combine(agents, name + ".json"));
        }

        File.WriteAllText(Path.Combine(agents, "echo.rb"), "");
        File.Copy(TestPaths.Fixture("server", "ddl", "echo_external.json"), Path.Combine(agents, "echo.json"));

        var loggers = new CapturingLoggerFactory();
        var found = await new RubyAgentProvider(fixture.Options with { LibDirs = [libdir] }).DiscoverAsync(loggers.CreateLogger("t"), CancellationToken.None);
        Assert.Empty(found);
        Assert.True(loggers.Logged(LogLevel.Warning, $"Refusing Ruby agent rpcutil at {Path.Combine(agents, "rpcutil.rb")}"));
        Assert.True(loggers.Logged(LogLevel.Warning, "Refusing Ruby agent choria_util"));
        Assert.True(loggers.Logged(LogLevel.Warning, "Refusing Ruby agent discovery"));
    }

    [Fact]
    public async Task An_action_runs_in_ruby_with_the_request_envelope()
    {
        var agent = fixture.Agent("ddlonly");
        Assert.Equal(["echo", "ping"], agent.ActionNames);
        Assert.Equal("1.2.3", agent.Metadata.Version);
        Assert.Equal(5, agent.Metadata.Timeout);

        var reply = await AgentCall.RunAsync(agent, "echo", """{"message":"hello"}""");
        Assert.Equal("0 OK", Status(reply));
        Assert.Equal("hello", Data(reply).GetProperty("message").GetString());
        Assert.Equal(1, Data(reply).GetProperty("count").GetInt32());
        Assert.Equal("choria=rip.mcollective", Data(reply).GetProperty("caller").GetString());
        Assert.Equal("client1.example.net", Data(reply).GetProperty("sender").GetString());

        // An action that sets nothing still answers every DDL output, with its default, as mcollectived does.
        var ping = await AgentCall.RunAsync(agent, "ping");
        Assert.Equal("0 OK", Status(ping));
        Assert.Equal("pong", Data(ping).GetProperty("pong").GetString());
    }

    [Fact]
    public async Task Inputs_are_validated_by_mcollective_itself_with_its_own_texts()
    {
        // As under mcollectived: MCollective checks the request against the DDL inside the shim, so Ruby clients
        // get the texts they know, not ours.
        var agent = fixture.Agent("ddlonly");
        Assert.Equal("4 Action echo needs a message argument", Status(await AgentCall.RunAsync(agent, "echo")));
        Assert.StartsWith("4 Cannot validate input mode: value should", Status(await AgentCall.RunAsync(agent, "echo", """{"message":"x","mode":"quiet"}""")));

        // The DDL allows any text; the agent's own `validate :message, :shellsafe` refuses it, in Ruby.
        Assert.Equal("4 Input message did not pass validation: value should not have ; in it", Status(await AgentCall.RunAsync(agent, "echo", """{"message":"a;b"}""")));
    }

    [Fact]
    public async Task An_agent_with_a_json_ddl_runs_and_gets_output_defaults()
    {
        var reply = await AgentCall.RunAsync(fixture.Agent("jsonddl"), "greet", """{"name":"bob"}""");
        Assert.Equal("0 OK", Status(reply));
        Assert.Equal("Hello bob", Data(reply).GetProperty("greeting").GetString());
        Assert.Equal("cheerful", Data(reply).GetProperty("mood").GetString());
    }

    [Fact]
    public async Task Reply_fail_and_exceptions_become_status_codes_and_ruby_errors_are_logged()
    {
        var loggers = new CapturingLoggerFactory();
        var agent = fixture.Agent("failing", loggers: loggers);

        var aborted = await AgentCall.RunAsync(agent, "refuse");
        Assert.Equal("1 Could not do the thing", Status(aborted));
        Assert.Equal("before the failure", Data(aborted).GetProperty("partial").GetString());

        Assert.Equal("5 kaboom", Status(await AgentCall.RunAsync(agent, "explode")));
        Assert.True(loggers.Logged(LogLevel.Error, "failing#explode failed: ArgumentError: kaboom"), string.Join("\n", loggers.Entries));
    }

    [Fact]
    public async Task What_an_agent_prints_is_logged_and_does_not_corrupt_the_reply()
    {
        var loggers = new CapturingLoggerFactory();
        var reply = await AgentCall.RunAsync(fixture.Agent("failing", loggers: loggers), "noisy");
        Assert.Equal("0 OK", Status(reply));
        Assert.True(Data(reply).GetProperty("ok").GetBoolean());
        Assert.True(loggers.Logged(LogLevel.Information, "Ruby agent failing#noisy: this goes to stdout of the agent"));
        Assert.True(loggers.Logged(LogLevel.Information, "Ruby agent failing#noisy: child process output"));
        Assert.True(loggers.Logged(LogLevel.Information, "Ruby agent failing#noisy: a line on stderr"));
    }

    [Fact]
    public async Task An_action_past_its_timeout_is_killed_and_answered_before_the_dispatcher_gives_up()
    {
        var loggers = new CapturingLoggerFactory();
        var agent = fixture.Agent("sleeper", loggers: loggers);

        // The dispatcher cancels at its own limit (the DDL timeout of 3 s plus the provider's grace); the reply must come before.
        using var dispatcher = new CancellationTokenSource(agent.DispatchTimeout);
        var reply = await AgentCall.RunAsync(agent, "nap", cancellationToken: dispatcher.Token);
        Assert.Equal("1 Cannot call Ruby action sleeper#nap: the action did not finish within 2.7 seconds and was killed", Status(reply));
        Assert.True(loggers.Logged(LogLevel.Warning, "Ruby action sleeper#nap did not finish within 2.7 seconds, the shim was killed"));
    }

    [Fact]
    public async Task A_cancelled_request_kills_the_shim_and_publishes_nothing()
    {
        var agent = fixture.Agent("sleeper");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();
        var result = await agent.HandleAsync(new AgentRequest
        {
            Payload = Encoding.UTF8.GetBytes("""{"agent":"sleeper","action":"nap","data":{}}"""),
            Envelope = new RequestEnvelope
            {
                Agent = "sleeper",
            },
        }, cts.Token);
        Assert.Null(result.Reply);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 2);
    }

    [Fact]
    public async Task Agents_read_their_settings_from_the_server_configuration()
    {
        var reply = await AgentCall.RunAsync(fixture.Agent("configured"), "setting");
        Assert.Equal("0 OK", Status(reply));
        Assert.Equal("hello from the server config", Data(reply).GetProperty("greeting").GetString());
        Assert.Equal("ruby.example.net", Data(reply).GetProperty("identity").GetString());

        // An MCollective configuration of its own, with plugin.d as mcollectived reads it.
        var own = Directory.CreateDirectory(Path.Combine(fixture.Root, "mco")).FullName;
        Directory.CreateDirectory(Path.Combine(own, "plugin.d"));
        File.WriteAllText(Path.Combine(own, "server.cfg"), "identity = mco.example.net\n");
        File.WriteAllText(Path.Combine(own, "plugin.d", "configured.cfg"), "greeting = from plugin.d\n");
        var mco = await AgentCall.RunAsync(fixture.Agent("configured", fixture.Options with { ShimConfig = Path.Combine(own, "server.cfg") }), "setting");
        Assert.Equal("from plugin.d", Data(mco).GetProperty("greeting").GetString());
        Assert.Equal("mco.example.net", Data(mco).GetProperty("identity").GetString());
    }

    [Fact]
    public async Task Shim_problems_are_answered_with_the_documented_messages()
    {
        async Task<string> Ping(RubyAgentProviderOptions options) => Status(await AgentCall.RunAsync(fixture.Agent("ddlonly", options), "ping"));

        Assert.Equal("1 Cannot call Ruby action ddlonly#ping: Ruby compatibility shim was not configured", await Ping(fixture.Options with { Shim = "" }));
        Assert.Equal("1 Cannot call Ruby action ddlonly#ping: Ruby compatibility shim configuration file was not configured", await Ping(fixture.Options with { ShimConfig = "" }));
        var missing = Path.Combine(fixture.Root, "missing.rb");
        Assert.Equal($"1 Cannot call Ruby action ddlonly#ping: Ruby compatibility shim {missing} does not exist", await Ping(fixture.Options with { Shim = missing }));
        Assert.StartsWith("1 Cannot call Ruby action ddlonly#ping: could not start /nonexistent/ruby", await Ping(fixture.Options with { Converter = fixture.Options.Converter with { Ruby = "/nonexistent/ruby" } }));

        var garbage = Path.Combine(fixture.Root, "garbage.rb");
        File.WriteAllText(garbage, "STDIN.read; puts 'this is not JSON'; warn 'the shim broke'");
        Assert.StartsWith("1 Cannot decode output from Shim for Ruby action ddlonly#ping: ", await Ping(fixture.Options with { Shim = garbage }));
        Assert.EndsWith("(stderr: the shim broke)", await Ping(fixture.Options with { Shim = garbage }));

        // Only the first JSON value counts; whatever follows it is ignored.
        var trailing = Path.Combine(fixture.Root, "trailing.rb");
        File.WriteAllText(trailing, """STDIN.read; puts '{"statuscode":0,"statusmsg":"OK","data":{"pong":"first"}} {"second":1} junk'""");
        var reply = await AgentCall.RunAsync(fixture.Agent("ddlonly", fixture.Options with { Shim = trailing }), "ping");
        Assert.Equal("first", Data(reply).GetProperty("pong").GetString());

        var huge = Path.Combine(fixture.Root, "huge.rb");
        File.WriteAllText(huge, "STDIN.read; loop { STDOUT.write('x' * 65536) }");
        Assert.Equal("1 Cannot decode output from Shim for Ruby action ddlonly#ping: the reply is larger than 100000 bytes", await Ping(fixture.Options with { Shim = huge, MaxReplyBytes = 100_000 }));
    }

    [Fact]
    public void The_shim_request_matches_the_documented_document()
    {
        var example = File.ReadAllText(TestPaths.Fixture("server", "examples", "ruby_shim_request.json")).Trim();
        var body = JsonDocument.Parse(example).RootElement;
        var request = new ActionRequest
        {
            Agent = "package",
            Action = "status",
            Data = body.GetProperty("body").GetProperty("data"),
            Envelope = new RequestEnvelope
            {
                RequestId = body.GetProperty("requestid").GetString()!,
                SenderId = body.GetProperty("senderid").GetString()!,
                CallerId = body.GetProperty("callerid").GetString()!,
                Collective = "mcollective",
                Ttl = 60,
                Time = 1578175200,
            },
        };
        Assert.Equal(example, Encoding.UTF8.GetString(RubyShim.RequestJson(request).Span));
    }

    [Fact]
    public async Task Activation_follows_activate_agent_and_the_agents_activate_when()
    {
        var loggers = new CapturingLoggerFactory();
        var sink = new RecordingSink(loggers);
        var options = fixture.Options with { ActivateAgent = new Dictionary<string, string> { ["configured"] = "nope", ["jsonddl"] = " Yes ", ["sleeper"] = "0" } };
        await new RubyAgentProvider(options).StartAsync(sink, CancellationToken.None);

        Assert.Equal(["ddlonly", "failing", "jsonddl"], sink.Agents.Keys.Order(StringComparer.Ordinal));
        Assert.True(loggers.Logged(LogLevel.Information, "Ruby agent inactive is not activated: its activate? / activate_when said no"), string.Join("\n", loggers.Entries));
        Assert.True(loggers.Logged(LogLevel.Information, "Ruby agent configured is not activated: plugin.configured.activate_agent is not true"));

        // The registered agents are working mcorpc agents.
        Assert.Equal("0 OK", Status(await AgentCall.RunAsync(sink.Agents["jsonddl"], "greet", """{"name":"x"}""")));
    }

    [Fact]
    public async Task An_agent_that_does_not_load_in_ruby_is_not_activated()
    {
        var libdir = Path.Combine(fixture.Root, "syntax");
        var agents = Directory.CreateDirectory(Path.Combine(libdir, "mcollective", "agent")).FullName;
        File.WriteAllText(Path.Combine(agents, "syntax.rb"), "module MCollective\n  module Agent\n    class Syntax < RPC::Agent\n      action 'x' do\n");
        File.WriteAllText(Path.Combine(agents, "syntax.json"), File.ReadAllText(Path.Combine(RubyAgentFixture.AgentDir, "jsonddl.json")).Replace("\"jsonddl\"", "\"syntax\"", StringComparison.Ordinal));

        var loggers = new CapturingLoggerFactory();
        var sink = new RecordingSink(loggers);
        await new RubyAgentProvider(fixture.Options with { LibDirs = [libdir] }).StartAsync(sink, CancellationToken.None);
        Assert.Empty(sink.Agents);
        Assert.True(loggers.Logged(LogLevel.Warning, $"Ruby agent syntax ({Path.Combine(agents, "syntax.rb")}) is not activated: SyntaxError"), string.Join("\n", loggers.Entries));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData(" Y ", true)]
    [InlineData("1", true)]
    [InlineData("f", false)]
    [InlineData("NO", false)]
    [InlineData("maybe", false)]
    [InlineData("", false)]
    public void Activate_agent_is_parsed_as_a_boolean(string? value, bool active)
    {
        var options = new RubyAgentProviderOptions { ActivateAgent = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["x"] = value } };
        Assert.Equal(active, options.IsActivatedByConfig("x"));
    }
}
