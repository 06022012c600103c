using BenchmarkDotNet.Attributes;
using Choria.Client;
using Choria.Ddl;
using Choria.Protocol.Messages;

namespace Choria.Benchmarks;

/// <summary>
/// The client receive loop: decode, hash check, request id check, de-duplication, reply parse and
/// DDL aggregation of N replies (target: at least 50,000 replies per second on one core).
/// </summary>
[MemoryDiagnoser]
public class ClientReplyBenchmarks
{
    private const string RequestId = "a2f0ca717c694f2086cfa81b6c494648";
    private byte[][] _payloads = [];
    private ActionDdl _action = null!;

    [Params(10_000)]
    public int Replies { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _action = DdlLoader.LoadBuiltin("rpcutil").Ddl!.FindAction("get_fact")!;
        _payloads = [.. Enumerable.Range(0, Replies).Select(i =>
        {
            var sender = $"node{i}.example.net";
            var body = """{"statuscode":0,"statusmsg":"OK","data":{"fact":"role","value":"role""" + (i % 7) + "\"}}";
            var reply = Reply.Create(RequestId, "rpcutil", sender, body, TimeProvider.System);
            var secure = SecureReply.Create(reply.ToJson());
            return TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { McSender = sender }).ToUtf8Bytes();
        })];
    }

    [Benchmark]
    public int DecodeVerifyAggregate()
    {
        var nodes = new string[_payloads.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = $"node{i}.example.net";
        }

        var collector = new ReplyCollector(RequestId, nodes, new Aggregator(_action), null, TimeProvider.System);
        foreach (var payload in _payloads)
        {
            collector.Process(payload);
        }

        return collector.Ok;
    }
}
