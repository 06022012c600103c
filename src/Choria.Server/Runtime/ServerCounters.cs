using Choria.Server.Agents;
using Choria.Server.Registration;

namespace Choria.Server.Runtime;

/// <summary>
/// The <c>choria_server_*</c> counters (docs/server.md), shared by the request pipeline (writer) and the status
/// file, <c>rpcutil#daemon_stats</c> and Prometheus (readers). Lock-free increments on the hot path.
/// </summary>
public sealed class ServerCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private readonly long[] _writeFailures = new long[Enum.GetValues<WriteTarget>().Length];
    private readonly long[] _registrationFailures = new long[Enum.GetValues<RegistrationFailure>().Length];
    private long _total;
    private long _validated;
    private long _unvalidated;
    private long _passed;
    private long _filtered;
    private long _replies;
    private long _ttlExpired;
    private long _events;
    private long _lastMessageUnix;

    public long Total => Interlocked.Read(ref _total);

    public long Validated => Interlocked.Read(ref _validated);

    public long Unvalidated => Interlocked.Read(ref _unvalidated);

    public long Passed => Interlocked.Read(ref _passed);

    public long Filtered => Interlocked.Read(ref _filtered);

    public long Replies => Interlocked.Read(ref _replies);

    public long TtlExpired => Interlocked.Read(ref _ttlExpired);

    public long Events => Interlocked.Read(ref _events);

    /// <summary>Unix seconds of the last validated request; 0 when none.</summary>
    public long LastMessageUnix => Interlocked.Read(ref _lastMessageUnix);

    public long Dropped(DropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    public void IncrementTotal() => Interlocked.Increment(ref _total);

    public void IncrementUnvalidated() => Interlocked.Increment(ref _unvalidated);

    public void IncrementPassed() => Interlocked.Increment(ref _passed);

    public void IncrementFiltered() => Interlocked.Increment(ref _filtered);

    public void IncrementReplies() => Interlocked.Increment(ref _replies);

    public void IncrementTtlExpired() => Interlocked.Increment(ref _ttlExpired);

    public void IncrementEvents() => Interlocked.Increment(ref _events);

    public void MarkValidated(long unixSeconds)
    {
        Interlocked.Increment(ref _validated);
        Interlocked.Exchange(ref _lastMessageUnix, unixSeconds);
    }

    public void Drop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    public long WriteFailures(WriteTarget target) => Interlocked.Read(ref _writeFailures[(int)target]);

    /// <summary>A disk full, read-only or missing directory: the write was skipped and logged.</summary>
    public void WriteFailed(WriteTarget target) => Interlocked.Increment(ref _writeFailures[(int)target]);

    public long RegistrationFailures(RegistrationFailure failure) => Interlocked.Read(ref _registrationFailures[(int)failure]);

    /// <summary>A registration tick that published nothing; the node's registration data is then stale at its receivers.</summary>
    public void RegistrationFailed(RegistrationFailure failure) => Interlocked.Increment(ref _registrationFailures[(int)failure]);

    public ServerStats Snapshot() => new()
    {
        Total = Total,
        Validated = Validated,
        Unvalidated = Unvalidated,
        Passed = Passed,
        Filtered = Filtered,
        Replies = Replies,
        TtlExpired = TtlExpired,
        Events = Events,
    };
}
