using Choria.Machine.Manifest;
using Choria.Machine.Runtime;

namespace Choria.Machine.Tests;

public sealed class StateMachineTests
{
    private static StateMachine Create() => new("unknown",
    [
        new TransitionSpec("fire_1", ["unknown"], "one"),
        new TransitionSpec("fire_2", ["one"], "two"),
        new TransitionSpec("reset", ["one", "two"], "unknown"),
    ]);

    [Fact]
    public void Events_are_valid_only_from_their_source_states()
    {
        var fsm = Create();
        Assert.Equal(["fire_1"], fsm.AvailableTransitions());
        Assert.False(fsm.Can("fire_2"));
        Assert.False(fsm.TryFire("fire_2", out var from, out var to));
        Assert.Equal(("unknown", "unknown"), (from, to));

        Assert.True(fsm.TryFire("fire_1", out from, out to));
        Assert.Equal(("unknown", "one"), (from, to));
        Assert.Equal(["fire_2", "reset"], fsm.AvailableTransitions());
        Assert.True(fsm.TryFire("reset", out _, out _));
        Assert.Equal("unknown", fsm.Current);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    public void Unknown_and_empty_events_never_move_the_machine(string transition)
    {
        var fsm = Create();
        Assert.False(fsm.Can(transition));
        Assert.False(fsm.TryFire(transition, out _, out _));
        Assert.Equal("unknown", fsm.Current);
    }

    [Fact]
    public void Concurrent_fires_of_one_event_move_the_machine_once()
    {
        var fsm = Create();
        var moved = 0;
        Parallel.For(0, 64, i =>
        {
            if (fsm.TryFire("fire_1", out _, out _))
            {
                Interlocked.Increment(ref moved);
            }
        });
        Assert.Equal(1, moved);
        Assert.Equal("one", fsm.Current);
    }
}
