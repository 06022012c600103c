namespace Choria.Client.Tests;

/// <summary>How many reply receiver connections <c>--workers</c> turns into (docs/client.md).</summary>
public class ReceiverCountTests
{
    [Theory]
    [InlineData(3, null, 3)]    // broadcast discovery: the count is unknown, all workers
    [InlineData(3, 0, 3)]       // ping without --expect
    [InlineData(3, 1, 1)]       // one node: one connection sends and receives
    [InlineData(3, 100, 1)]
    [InlineData(3, 101, 2)]
    [InlineData(3, 250, 3)]
    [InlineData(3, 10_000, 3)]  // never more than asked for
    [InlineData(1, 10_000, 1)]
    [InlineData(0, null, 1)]    // at least one connection
    [InlineData(-2, 5, 1)]
    public void Known_replies_cap_the_receiver_connections(int workers, int? knownReplies, int expected) =>
        Assert.Equal(expected, ChoriaClientOptions.ReceiversFor(workers, knownReplies));
}
