using System.Globalization;
using System.Text;
using Choria.Protocol.Lifecycle;

namespace Choria.Cli.Commands.Tool;

/// <summary>The lines <c>tool event</c> prints.</summary>
public static class LifecycleEventFormatter
{
    /// <summary>go-lifecycle's <c>String()</c> of each event type.</summary>
    public static string Describe(LifecycleEvent e) => e.Type switch
    {
        LifecycleEventType.Startup => $"[startup] {e.Identity}: {e.Component} version {e.Version}",
        LifecycleEventType.Alive => $"[alive] {e.Identity}: {e.Component} version {e.Version}",
        LifecycleEventType.Shutdown => $"[shutdown] {e.Identity}: {e.Component}",
        LifecycleEventType.Provisioned => $"[provisioned] {e.Identity}: {e.Component}",
        _ => $"[{LifecycleEvent.TypeName(e.Type)}] {e.Identity}: {e.Component}",
    };

    /// <summary><c>HH:MM:SS [type] identity: ...</c> with the receive time.</summary>
    public static string Line(LifecycleEvent e, DateTimeOffset received) =>
        $"{received.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {Describe(e)}";

    /// <summary>The output line for one received message, or null when it is unparseable or filtered out.</summary>
    public static string? Render(ReadOnlySpan<byte> data, LifecycleEventFilter filter, EventOutputMode mode, DateTimeOffset received)
    {
        if (!LifecycleEvent.TryParse(data, out var parsed, out _) || !filter.Matches(parsed.Event))
        {
            return null;
        }

        return mode switch
        {
            EventOutputMode.Raw => Encoding.UTF8.GetString(data),
            EventOutputMode.Json => Encoding.UTF8.GetString(parsed.Event.ToChoriaJson()),
            _ => Line(parsed.Event, received),
        };
    }
}
