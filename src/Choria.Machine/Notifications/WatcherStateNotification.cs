using System.Text.Json;
using Choria.Protocol.Subjects;

namespace Choria.Machine.Notifications;

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
