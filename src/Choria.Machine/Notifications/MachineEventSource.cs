using System.Text.Json;

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
