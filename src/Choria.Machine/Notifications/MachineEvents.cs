using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Choria.Protocol.Subjects;

namespace Choria.Machine.Notifications;

/// <summary>Fields every machine event carries (docs/machines.md, "Events on the wire").</summary>
public sealed record MachineEventSource(string Identity, string MachineId, string Version, string Machine)
{
    /// <summary>The fields every event's data starts with, in go-choria's order.</summary>
    internal void WriteCommon(Utf8JsonWriter w, string protocol, long timestamp)
    {
        w.WriteString("protocol", protocol);
        w.WriteString("identity", Identity);
        w.WriteString("id", MachineId);
        w.WriteString("version", Version);
        w.WriteNumber("timestamp", timestamp);
    }
}

/// <summary>A transition, sent after each one to <c>choria.machine.transition</c>.</summary>
public sealed record TransitionNotification(MachineEventSource Source, long Timestamp, string Transition, string FromState, string ToState)
{
    public const string Protocol = "io.choria.machine.v1.transition";

    public static string Subject => ChoriaSubjects.MachineTransition;

    public override string ToString() =>
        $"{Source.Identity} {Source.Machine}#{Source.Version} transitioned via event {Transition}: {FromState} => {ToState}";

    public void WriteData(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        Source.WriteCommon(w, Protocol, Timestamp);
        w.WriteString("machine", Source.Machine);
        w.WriteString("transition", Transition);
        w.WriteString("from_state", FromState);
        w.WriteString("to_state", ToState);
        w.WriteEndObject();
    }
}

/// <summary>
/// A watcher's state, sent to <c>choria.machine.watcher.TYPE.state</c>; <see cref="WriteFields"/> adds the kind's
/// own fields after the common ones and <see cref="Summary"/> is its one-line text.
/// </summary>
public sealed record WatcherStateNotification(MachineEventSource Source, long Timestamp, string Type, string Name, string Summary, Action<Utf8JsonWriter> WriteFields)
{
    public string Protocol => $"io.choria.machine.watcher.{Type}.v1.state";

    public string Subject => ChoriaSubjects.MachineWatcherState(Type);

    public override string ToString() => $"{Source.Identity} {Source.Machine}#{Name} {Summary}";

    public void WriteData(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        Source.WriteCommon(w, Protocol, Timestamp);
        w.WriteString("type", Type);
        w.WriteString("machine", Source.Machine);
        w.WriteString("name", Name);
        WriteFields(w);
        w.WriteEndObject();
    }
}

/// <summary>Encodes machine events as CloudEvents 1.0 in the field order go-choria's SDK writes.</summary>
public static class MachineEvents
{
    public const string CloudEventSource = "io.choria.machine";

    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] CloudEvent(TransitionNotification n, string eventId, DateTimeOffset time) =>
        Encode(eventId, TransitionNotification.Protocol, n.Source.Identity, time, n.WriteData);

    public static byte[] CloudEvent(WatcherStateNotification n, string eventId, DateTimeOffset time) =>
        Encode(eventId, n.Protocol, n.Source.Identity, time, n.WriteData);

    /// <summary>The bare data object (what the watcher fixtures without a CloudEvent wrapper hold).</summary>
    public static byte[] Data(Action<Utf8JsonWriter> writeData)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, s_options))
        {
            writeData(w);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>RFC 3339 with nanosecond precision trimmed of trailing zeros, as Go formats CloudEvent times.</summary>
    public static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static byte[] Encode(string id, string type, string subject, DateTimeOffset time, Action<Utf8JsonWriter> writeData)
    {
        var buffer = new ArrayBufferWriter<byte>(768);
        using (var w = new Utf8JsonWriter(buffer, s_options))
        {
            w.WriteStartObject();
            w.WriteString("specversion", "1.0");
            w.WriteString("id", id);
            w.WriteString("source", CloudEventSource);
            w.WriteString("type", type);
            w.WriteString("subject", subject);
            w.WriteString("datacontenttype", "application/json");
            w.WriteString("time", Rfc3339(time));
            w.WritePropertyName("data");
            writeData(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Where a machine sends its events: NATS in the server, the console under <c>choria machine run</c>.</summary>
public interface IMachineNotifier
{
    void Transition(TransitionNotification notification);

    void WatcherState(WatcherStateNotification notification);
}
