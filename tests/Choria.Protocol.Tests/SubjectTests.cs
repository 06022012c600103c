using Choria.Protocol.Subjects;

namespace Choria.Protocol.Tests;

public class SubjectTests
{
    [Fact]
    public void Builders_produce_the_documented_subjects()
    {
        Assert.Equal("mcollective.broadcast.agent.rpcutil", ChoriaSubjects.BroadcastAgent("mcollective", "rpcutil"));
        Assert.Equal("mcollective.node.node1.example.net", ChoriaSubjects.Node("mcollective", "node1.example.net"));
        Assert.Equal("mcollective.reply.client.example.net.a2f0ca717c694f2086cfa81b6c494648", ChoriaSubjects.Reply("mcollective", "client.example.net", "a2f0ca717c694f2086cfa81b6c494648"));
        Assert.Equal("choria.federation.production.federation", ChoriaSubjects.FederationRequests("production"));
        Assert.Equal("production_federation", ChoriaSubjects.FederationRequestsQueueGroup("production"));
        Assert.Equal("choria.federation.production.collective", ChoriaSubjects.FederationReplies("production"));
        Assert.Equal("production_collective", ChoriaSubjects.FederationRepliesQueueGroup("production"));
        Assert.Equal("choria.lifecycle.event.startup.server", ChoriaSubjects.Lifecycle("startup", "server"));
        Assert.Equal("mcollective.broadcast.agent.registration", ChoriaSubjects.Registration("mcollective"));
        Assert.Equal("choria.provisioning_data", ChoriaSubjects.ProvisioningData);
        Assert.Equal("choria.machine.transition", ChoriaSubjects.MachineTransition);
        Assert.Equal("choria.machine.watcher.exec.state", ChoriaSubjects.MachineWatcherState("exec"));
    }

    [Fact]
    public void Head_reply_subject_uses_md5_of_the_caller_id()
    {
        // The Ruby captures use md5hex("choria=rip.mcollective") as their reply token.
        Assert.Equal("mcollective.reply.37bdf08389145a56c13096c178802d3b.bb051564195a58efaa851f3b6471c260", ChoriaSubjects.ReplyForCaller("mcollective", "choria=rip.mcollective", "bb051564195a58efaa851f3b6471c260"));
    }
}
