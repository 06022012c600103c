namespace Choria.Server.Agents;

internal enum DispatchOutcome
{
    /// <summary><see cref="DispatchResult.Reply"/> must be published.</summary>
    Replied,
    NoReply,
    UnknownAgent,
    TimedOut,
    Shutdown,
    Failed,
}

/// <param name="Exception">What the agent threw, for <see cref="DispatchOutcome.Failed"/>.</param>
internal sealed record DispatchResult(DispatchOutcome Outcome, byte[]? Reply, string? Error, Exception? Exception = null);

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
            return new(DispatchOutcome.UnknownAgent, null, $"Received a message for agent {request.Agent} that does not exist, discarding");
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
            return new(DispatchOutcome.Failed, null, $"Agent {request.Agent} failed handling request {request.RequestId}: {e.Message}", e);
        }

        // An agent that sees the token fire may finish (without a reply) before the wait notices the token: that
        // run was still cut short by the timeout or shutdown, not a deliberate "no reply".
        if (result.Reply is null && cts.IsCancellationRequested)
        {
            return CutShort();
        }

        return result.Reply is null
            ? new(DispatchOutcome.NoReply, null, result.Error)
            : new(DispatchOutcome.Replied, result.Reply, null);

        DispatchResult CutShort() => shutdown.IsCancellationRequested
            ? new(DispatchOutcome.Shutdown, null, $"Agent dispatcher for request {request.RequestId} exiting on interrupt")
            : new(DispatchOutcome.TimedOut, null, $"Agent dispatcher for request {request.RequestId} exiting on {Math.Max(0, agent.Metadata.Timeout)}s timeout");
    }
}
