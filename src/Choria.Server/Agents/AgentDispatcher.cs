using Choria.Server.Runtime;

namespace Choria.Server.Agents;

/// <summary>An agent run's end: the reply to publish, or the drop the request processor counts and logs.</summary>
internal readonly record struct DispatchResult(byte[]? Reply, PipelineDrop? Drop)
{
    public static DispatchResult Dropped(DropReason reason, string message, Exception? exception = null) =>
        new(null, new PipelineDrop(reason, message, exception));
}

/// <summary>
/// Runs an agent with a fresh per-request timeout of <c>metadata.timeout</c> seconds (docs/server.md).
/// Every request runs on its own task; late results are dropped. Nothing is logged here: every outcome other
/// than a reply is a drop that the request processor logs once, with its reason.
/// </summary>
internal sealed class AgentDispatcher(AgentRegistry registry)
{
    public async Task<DispatchResult> DispatchAsync(AgentRequest request, CancellationToken shutdown)
    {
        if (!registry.TryGet(request.Agent, out var agent))
        {
            return DispatchResult.Dropped(DropReason.UnknownAgent, $"Received a message for agent {request.Agent} that does not exist, discarding");
        }

        var timeout = agent.DispatchTimeout;

        // One token ends the agent's run on its timeout or on shutdown; waiting on it is a single registration,
        // which at thousands of requests a second is much cheaper than racing a delay task.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        cts.CancelAfter(timeout);
        var work = Task.Run(() => agent.HandleAsync(request, cts.Token).AsTask(), CancellationToken.None);

        AgentResult result;
        try
        {
            result = await work.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Observe the abandoned task so a late failure is not reported as unobserved.
            _ = work.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            return CutShort();
        }
        catch (Exception e)
        {
            return DispatchResult.Dropped(DropReason.AgentFailed, $"Agent {request.Agent} failed handling request {request.RequestId}: {e.Message}", e);
        }

        // An agent that sees the token fire may finish (without a reply) before the wait notices the token: that
        // run was still cut short by the timeout or shutdown, not a deliberate "no reply".
        if (result.Reply is null && cts.IsCancellationRequested)
        {
            return CutShort();
        }

        return result.Reply is null
            ? DispatchResult.Dropped(DropReason.AgentNoReply, result.Error ?? "the agent did not reply")
            : new(result.Reply, null);

        DispatchResult CutShort() => shutdown.IsCancellationRequested
            ? DispatchResult.Dropped(DropReason.ShuttingDown, $"Agent dispatcher for request {request.RequestId} exiting on interrupt")
            : DispatchResult.Dropped(DropReason.AgentTimeout, $"Agent dispatcher for request {request.RequestId} exiting on {Math.Max(0, agent.Metadata.Timeout)}s timeout");
    }
}
