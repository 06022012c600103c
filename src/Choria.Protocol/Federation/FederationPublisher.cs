using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;

namespace Choria.Protocol.Federation;

/// <summary>Client side of federation (docs/federation.md): adds the federation header and fans out per broker name.</summary>
public static class FederationPublisher
{
    /// <summary>Direct requests are split so no single message lists more targets than this.</summary>
    public const int DirectBatchSize = 200;

    public static IReadOnlyList<FederatedPublication> Broadcast(TransportMessage message, string requestId, string collective, string agent, IReadOnlyList<string> federations) =>
        Publications(message, requestId, [[ChoriaSubjects.BroadcastAgent(collective, agent)]], federations);

    public static IReadOnlyList<FederatedPublication> Direct(TransportMessage message, string requestId, string collective, IEnumerable<string> nodes, IReadOnlyList<string> federations)
    {
        var batches = nodes.Select(n => ChoriaSubjects.Node(collective, n)).Chunk(DirectBatchSize).ToList();
        return Publications(message, requestId, batches, federations);
    }

    private static List<FederatedPublication> Publications(TransportMessage message, string requestId, List<string[]> batches, IReadOnlyList<string> federations)
    {
        var result = new List<FederatedPublication>(batches.Count * federations.Count);
        foreach (var federation in federations)
        {
            var subject = ChoriaSubjects.FederationRequests(federation);
            foreach (var batch in batches)
            {
                var federated = message with
                {
                    Headers = message.Headers with { Federation = new FederationHeader { RequestId = requestId, Targets = batch } },
                };
                result.Add(new FederatedPublication(subject, federated));
            }
        }

        return result;
    }
}
