using System.Security.Cryptography;
using System.Text;

namespace Choria.Protocol.Subjects;

/// <summary>NATS subjects and queue groups (docs/protocol.md). Names are inserted verbatim.</summary>
public static class ChoriaSubjects
{
    public const string ProvisioningData = "choria.provisioning_data";

    public const string MachineTransition = "choria.machine.transition";

    /// <summary>Reply subject registration publishers use: replies are discarded.</summary>
    public const string DevNull = "dev.null";

    public static string BroadcastAgent(string collective, string agent) => $"{collective}.broadcast.agent.{agent}";

    public static string Node(string collective, string identity) => $"{collective}.node.{identity}";

    /// <summary>Go 2020 client form: <c>&lt;collective&gt;.reply.&lt;senderid&gt;.&lt;requestid&gt;</c>.</summary>
    public static string Reply(string collective, string senderId, string requestId) => $"{collective}.reply.{senderId}.{requestId}";

    /// <summary>go-choria HEAD form, the one C# clients should use: <c>&lt;collective&gt;.reply.&lt;md5hex(callerid)&gt;.&lt;requestid&gt;</c>.</summary>
    public static string ReplyForCaller(string collective, string callerId, string requestId) =>
        $"{collective}.reply.{Md5Hex(callerId)}.{requestId}";

    public static string FederationRequests(string federation) => $"choria.federation.{federation}.federation";

    public static string FederationRequestsQueueGroup(string federation) => $"{federation}_federation";

    public static string FederationReplies(string federation) => $"choria.federation.{federation}.collective";

    public static string FederationRepliesQueueGroup(string federation) => $"{federation}_collective";

    public static string Lifecycle(string type, string component) => $"choria.lifecycle.event.{type}.{component}";

    public static string Registration(string collective) => BroadcastAgent(collective, "registration");

    /// <summary>Watcher types are <c>exec</c>, <c>file</c>, <c>schedule</c>.</summary>
    public static string MachineWatcherState(string watcherType) => $"choria.machine.watcher.{watcherType}.state";

#pragma warning disable CA5351 // MD5 only names a subject (matching go-choria); it protects nothing.
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
