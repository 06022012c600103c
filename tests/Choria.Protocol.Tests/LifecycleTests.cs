using System.Text;
using System.Text.Json.Nodes;
using Choria.Protocol.Lifecycle;

namespace Choria.Protocol.Tests;

public class LifecycleTests
{
    private static byte[] Event(string name) => File.ReadAllBytes(TestPaths.Fixture("protocol", "events", name));

    [Fact]
    public void Choria_format_fixture_is_detected_and_parsed()
    {
        Assert.True(LifecycleEvent.TryParse(Event("lifecycle_choria_format_shutdown.json"), out var parsed, out var error), error?.ToString());
        Assert.Equal(LifecycleEventFormat.Choria, parsed.Format);
        Assert.Equal(LifecycleEventType.Shutdown, parsed.Event.Type);
        Assert.Equal("dev1.devco.net", parsed.Event.Identity);
        Assert.Equal("server", parsed.Event.Component);
        Assert.Equal(1575482338, parsed.Event.Timestamp);
        Assert.Equal("cb6f1dbc-d65b-49b9-907e-e4a51bee75f8", parsed.Event.Id);
        Assert.Null(parsed.Event.Version);
    }

    [Fact]
    public void Cloudevent_fixture_is_detected_and_parsed()
    {
        Assert.True(LifecycleEvent.TryParse(Event("lifecycle_cloudevent_format_shutdown.json"), out var parsed, out var error), error?.ToString());
        Assert.Equal(LifecycleEventFormat.CloudEvent, parsed.Format);
        Assert.Equal(LifecycleEventType.Shutdown, parsed.Event.Type);
        Assert.Equal("ginkgo.example.net", parsed.Event.Identity);
        Assert.Equal("ginkgo", parsed.Event.Component);
        Assert.Equal(1535106973, parsed.Event.Timestamp);
        Assert.Equal("1.2.3", parsed.Event.Version);
    }

    [Theory]
    [InlineData("choria:lifecycle:shutdown:1", LifecycleEventType.Shutdown)]
    [InlineData("choria:lifecycle:startup:1", LifecycleEventType.Startup)]
    [InlineData("io.choria.lifecycle.v1.alive", LifecycleEventType.Alive)]
    [InlineData("io.choria.lifecycle.v1.provisioned", LifecycleEventType.Provisioned)]
    public void Old_and_new_protocol_names_map_to_types(string protocol, LifecycleEventType type)
    {
        Assert.Equal(type, LifecycleEvent.ParseType(protocol));
        var json = $$"""{"protocol":"{{protocol}}","id":"x","identity":"n","component":"server","timestamp":1}""";
        Assert.True(LifecycleEvent.TryParse(Encoding.UTF8.GetBytes(json), out var parsed, out var error), error?.ToString());
        Assert.Equal(type, parsed.Event.Type);
    }

    [Theory]
    [InlineData("""{"protocol":"choria:lifecycle:bogus:1","id":"x","identity":"n","component":"c","timestamp":1}""")]
    [InlineData("""{"specversion":"1.0","source":"elsewhere","data":{}}""")]
    [InlineData("""{"hello":"world"}""")]
    public void Unknown_events_are_rejected(string json)
    {
        Assert.False(LifecycleEvent.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(ProtocolErrorReason.UnknownEventFormat, error.Reason);
    }

    [Fact]
    public void Both_encodings_round_trip_with_the_schema_keys()
    {
        var clock = TestClock.AtUnix(1578000000);
        var startup = LifecycleEvent.Create(LifecycleEventType.Startup, "node1.example.net", "server", "0.13.1", clock);
        Assert.Equal("choria.lifecycle.event.startup.server", startup.Subject);

        var choria = JsonNode.Parse(startup.ToChoriaJson())!;
        Assert.Equal(["protocol", "id", "identity", "component", "timestamp", "version"], choria.AsObject().Select(p => p.Key));
        Assert.Equal("io.choria.lifecycle.v1.startup", (string)choria["protocol"]!);
        Assert.True(LifecycleEvent.TryParse(startup.ToChoriaJson(), out var back, out _));
        Assert.Equal(startup, back.Event);

        var cloud = JsonNode.Parse(startup.ToCloudEventJson())!;
        Assert.Equal("1.0", (string)cloud["specversion"]!);
        Assert.Equal("io.choria.lifecycle", (string)cloud["source"]!);
        Assert.Equal("2020-01-02T21:20:00Z", (string)cloud["time"]!);
        Assert.Equal(startup.Id, (string)cloud["id"]!);
        Assert.True(LifecycleEvent.TryParse(startup.ToCloudEventJson(), out back, out _));
        Assert.Equal(LifecycleEventFormat.CloudEvent, back.Format);
        Assert.Equal(startup, back.Event);

        var shutdown = LifecycleEvent.Create(LifecycleEventType.Shutdown, "n", "server", "0.13.1", clock);
        Assert.False(JsonNode.Parse(shutdown.ToChoriaJson())!.AsObject().ContainsKey("version"));
    }
}
