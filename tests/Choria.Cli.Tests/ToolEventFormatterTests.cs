using System.Text;
using Choria.Cli.Commands.Tool;
using Choria.Protocol.Lifecycle;

namespace Choria.Cli.Tests;

public class ToolEventFormatterTests
{
    private static readonly DateTimeOffset s_received = new(2020, 1, 4, 12, 1, 2, TimeSpan.Zero);

    private static LifecycleEvent Event(LifecycleEventType type, string component = "server", string? version = "0.13.0") => new()
    {
        Type = type,
        Id = "0a6a9b5c-3c58-4e0c-9a4e-2d1b7a3f5e10",
        Identity = "n1.example.net",
        Component = component,
        Timestamp = 1578175200,
        Version = version,
    };

    [Theory]
    [InlineData(LifecycleEventType.Startup, "12:01:02 [startup] n1.example.net: server version 0.13.0")]
    [InlineData(LifecycleEventType.Alive, "12:01:02 [alive] n1.example.net: server version 0.13.0")]
    [InlineData(LifecycleEventType.Shutdown, "12:01:02 [shutdown] n1.example.net: server")]
    [InlineData(LifecycleEventType.Provisioned, "12:01:02 [provisioned] n1.example.net: server")]
    public void Lines_follow_the_go_lifecycle_strings(LifecycleEventType type, string expected) =>
        Assert.Equal(expected, LifecycleEventFormatter.Line(Event(type), s_received));

    [Fact]
    public void Both_wire_formats_render_the_same_line_and_filters_apply()
    {
        var e = Event(LifecycleEventType.Startup);
        var all = new LifecycleEventFilter(null, null);
        Assert.Equal("12:01:02 [startup] n1.example.net: server version 0.13.0", LifecycleEventFormatter.Render(e.ToCloudEventJson(), all, EventOutputMode.Text, s_received));
        Assert.Equal("12:01:02 [startup] n1.example.net: server version 0.13.0", LifecycleEventFormatter.Render(e.ToChoriaJson(), all, EventOutputMode.Text, s_received));
        Assert.Null(LifecycleEventFormatter.Render(e.ToChoriaJson(), new LifecycleEventFilter(null, "alive"), EventOutputMode.Text, s_received));
        Assert.Null(LifecycleEventFormatter.Render(e.ToChoriaJson(), new LifecycleEventFilter("other", null), EventOutputMode.Text, s_received));
        Assert.NotNull(LifecycleEventFormatter.Render(e.ToChoriaJson(), new LifecycleEventFilter("server", "startup"), EventOutputMode.Text, s_received));
        Assert.Null(LifecycleEventFormatter.Render("not json"u8, all, EventOutputMode.Text, s_received));
    }

    [Fact]
    public void Json_mode_prints_the_event_object_and_raw_mode_the_message()
    {
        var e = Event(LifecycleEventType.Shutdown, version: null);
        var cloud = e.ToCloudEventJson();
        var all = new LifecycleEventFilter(null, null);
        Assert.Equal(Encoding.UTF8.GetString(e.ToChoriaJson()), LifecycleEventFormatter.Render(cloud, all, EventOutputMode.Json, s_received));
        Assert.Equal(Encoding.UTF8.GetString(cloud), LifecycleEventFormatter.Render(cloud, all, EventOutputMode.Raw, s_received));
    }

    [Fact]
    public void Fixture_events_render()
    {
        var path = TestPaths.Fixture("server", "examples", "lifecycle_alive_cloudevent.json");
        Assert.Equal("12:01:02 [alive] node1.example.net: server version 0.13.0", LifecycleEventFormatter.Render(File.ReadAllBytes(path), new LifecycleEventFilter(null, null), EventOutputMode.Text, s_received));
    }

    [Fact]
    public void Type_flag_accepts_only_known_types()
    {
        var parsed = ChoriaApp.BuildRoot().Parse(["tool", "event", "--type", "bogus"]);
        Assert.NotEmpty(parsed.Errors);
        Assert.Empty(ChoriaApp.BuildRoot().Parse(["tool", "event", "--type", "alive", "--component", "server"]).Errors);
    }
}
