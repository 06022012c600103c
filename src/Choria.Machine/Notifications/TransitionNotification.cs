using System.Text.Json;
using Choria.Protocol.Subjects;

namespace Choria.Machine.Notifications;

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
