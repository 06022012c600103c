using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Choria.Machine.Notifications;

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
