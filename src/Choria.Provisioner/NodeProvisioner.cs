using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Client;
using Choria.Config.Build;
using Choria.Ddl;

namespace Choria.Provisioner;

/// <summary>
/// Provisions one node (docs/provisioning.md): <c>jwt</c> (optional), <c>rpcutil#inventory</c>, <c>gencsr</c>, the
/// helper, <c>configure</c>, <c>restart</c>. Every call is addressed to that node only, in the <c>provisioning</c>
/// collective; any failure leaves the node as it was before <c>configure</c> and throws.
/// </summary>
public sealed class NodeProvisioner(ChoriaClient client, ProvisionerOptions options, ProvisionerMetrics metrics, Action<string, string> log)
{
    private static readonly AgentDdl s_provisionDdl = DdlLoader.LoadBuiltin("choria_provision").Ddl!;
    private static readonly AgentDdl s_rpcutilDdl = DdlLoader.LoadBuiltin("rpcutil").Ddl!;

    public async Task ProvisionAsync(string identity, CancellationToken cancellationToken)
    {
        var jwt = "";
        JsonElement? claims = null;
        if (options.FetchJwt)
        {
            // Nodes without a JWT file answer with an error; their build settings alone made them provisionable.
            var reply = await CallAsync(identity, "choria_provision", "jwt", Tokened(), s_provisionDdl, optional: true, cancellationToken);
            if (reply is { } r && r.TryGetProperty("jwt", out var j) && j.GetString() is { Length: > 0 } token)
            {
                jwt = token;
                try
                {
                    claims = ProvisioningJwt.Parse(token).All;
                }
                catch (FormatException e)
                {
                    throw new ProvisionStepException("jwt", $"the node's provisioning JWT cannot be read: {e.Message}");
                }
            }
        }

        log(identity, "fetching inventory");
        var inventory = await CallAsync(identity, "rpcutil", "inventory", [], s_rpcutilDdl, optional: false, cancellationToken);
        log(identity, "requesting a CSR");
        var csr = await CallAsync(identity, "choria_provision", "gencsr", Tokened(new JsonObject { ["cn"] = identity }), s_provisionDdl, optional: false, cancellationToken);

        log(identity, "running the helper");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        HelperResult result;
        try
        {
            result = await HelperRunner.RunAsync(options.Helper, HelperRunner.Request(identity, csr, inventory, jwt, claims), options.HelperTimeout, cancellationToken);
        }
        finally
        {
            metrics.HelperTime.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var configure = Tokened(new JsonObject
        {
            ["config"] = JsonSerializer.Serialize(result.Configuration, ProvisionerJsonContext.Default.IReadOnlyDictionaryStringString),
        });
        if (result.Certificate.Length > 0)
        {
            configure["certificate"] = result.Certificate;
            configure["ca"] = result.Ca;
            configure["ssldir"] = result.SslDir;
        }

        log(identity, "configuring");
        await CallAsync(identity, "choria_provision", "configure", configure, s_provisionDdl, optional: false, cancellationToken);
        log(identity, "restarting");
        await CallAsync(identity, "choria_provision", "restart", Tokened(new JsonObject { ["splay"] = options.RestartSplay }), s_provisionDdl, optional: false, cancellationToken);
    }

    private JsonObject Tokened(JsonObject? data = null)
    {
        data ??= [];
        if (options.Token.Length > 0)
        {
            data["token"] = options.Token;
        }

        return data;
    }

    private async Task<JsonElement?> CallAsync(string identity, string agent, string action, JsonObject data, AgentDdl ddl, bool optional, CancellationToken cancellationToken)
    {
        RpcResult result;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            result = await client.RequestAsync(new RpcOptions
            {
                Agent = agent,
                Action = action,
                Data = data,
                Ddl = ddl,
                Nodes = [identity],
                Collective = ProvisioningConfig.Collective,
                Timeout = TimeSpan.FromSeconds(ddl.Metadata.Timeout + 5),
            }, cancellationToken);
        }
        catch (ChoriaClientException e)
        {
            throw new ProvisionStepException(action, $"{agent}#{action} could not be called: {e.Message}");
        }
        finally
        {
            metrics.RpcTime.WithLabels(action).Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var reply = result.Replies.FirstOrDefault(r => r.Sender == identity);
        if (reply is null)
        {
            throw new ProvisionStepException(action, $"{agent}#{action} got no reply");
        }

        if (!reply.Ok)
        {
            if (optional)
            {
                return null;
            }

            throw new ProvisionStepException(action, $"{agent}#{action} failed: {reply.StatusMessage}");
        }

        return reply.Data;
    }
}
