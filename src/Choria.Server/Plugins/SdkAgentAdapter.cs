using System.Text;
using System.Text.Json;
using Choria.Ddl;
using Choria.Sdk;
using Choria.Server.Agents;
using Microsoft.Extensions.Logging;
using SdkActionRequest = Choria.Sdk.ActionRequest;

namespace Choria.Server.Plugins;

/// <summary>Turns an SDK <see cref="Agent"/> into an <see cref="McorpcAgent"/>, so it gets the server's SimpleRPC steps like every built-in agent.</summary>
internal static class SdkAgentAdapter
{
    public static McorpcAgent Create(string pluginName, AgentFactory factory, IAgentContext context, McorpcAgentOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var agent = factory(context);
        AgentDdl? ddl = null;
        if (agent.DdlJson is { } json)
        {
            var parsed = DdlLoader.Parse(Encoding.UTF8.GetBytes(json), $"plugin {pluginName}");
            ddl = parsed.Ddl ?? throw new PluginRegistrationException($"agent plugin {pluginName} has an invalid DDL: {parsed.Error}");
        }

        var metadata = ddl is not null ? AgentMetadata.FromDdl(ddl.Metadata) : FromInfo(agent.Info);
        if (metadata.Name != pluginName)
        {
            throw new PluginRegistrationException($"agent plugin {pluginName} provides an agent named '{metadata.Name}': the names must match");
        }

        var mcorpc = new McorpcAgent(metadata, ddl, options, logger);
        var actions = new ActionMap();
        agent.RegisterActions(actions);
        foreach (var (name, handler) in actions.Actions)
        {
            mcorpc.RegisterAction(name, async (request, cancellationToken) => ToReply(await handler(ToSdk(request), cancellationToken)));
        }

        return mcorpc;
    }

    private static AgentMetadata FromInfo(AgentInfo info) => new()
    {
        Name = info.Name,
        Description = info.Description,
        Author = info.Author,
        Version = info.Version,
        License = info.License,
        Url = info.Url,
        Timeout = info.Timeout,
    };

    private static SdkActionRequest ToSdk(Agents.ActionRequest r) => new()
    {
        Agent = r.Agent,
        Action = r.Action,
        Data = r.Data.ValueKind == JsonValueKind.Object ? r.Data : Agents.ActionRequest.EmptyObject,
        CallerId = r.CallerId,
        SenderId = r.SenderId,
        RequestId = r.RequestId,
        Collective = r.Collective,
        Time = DateTimeOffset.FromUnixTimeSeconds(r.Time),
    };

    private static ActionReply ToReply(ActionResult result) => new()
    {
        StatusCode = (RpcStatus)(int)result.Status,
        StatusMessage = result.Message,
        Data = result.Data,
    };
}
