using System.Text.Json.Nodes;

namespace Choria.Sdk;

/// <summary>An action's reply: status, message and data.</summary>
public sealed record ActionResult
{
    public ReplyStatus Status { get; init; } = ReplyStatus.OK;

    public string Message { get; init; } = "OK";

    public JsonObject Data { get; init; } = [];

    public static ActionResult Ok(JsonObject? data = null) => new() { Data = data ?? [] };

    public static ActionResult Fail(ReplyStatus status, string message, JsonObject? data = null) =>
        new() { Status = status, Message = message, Data = data ?? [] };

    /// <summary>Status 1: the action ran and failed (Go's <c>reply.Statuscode = mcorpc.Aborted</c>).</summary>
    public static ActionResult Aborted(string message, JsonObject? data = null) => Fail(ReplyStatus.Aborted, message, data);
}
