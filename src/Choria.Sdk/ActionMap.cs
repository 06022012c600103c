using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Choria.Sdk;

/// <summary>The actions of an agent, by name.</summary>
public sealed class ActionMap
{
    private readonly Dictionary<string, ActionHandler> _actions = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ActionHandler> Actions => _actions;

    public ActionMap Add(string name, ActionHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_actions.TryAdd(name, handler))
        {
            throw new InvalidOperationException($"action {name} is added twice");
        }

        return this;
    }

    /// <summary>
    /// Adds an action with typed inputs and outputs; the type infos come from the plugin's own
    /// <c>JsonSerializerContext</c>, so the binary stays free of run-time reflection.
    /// </summary>
    public ActionMap Add<TInput, TOutput>(string name, JsonTypeInfo<TInput> input, JsonTypeInfo<TOutput> output, Func<TInput, ActionRequest, CancellationToken, ValueTask<TOutput>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, async (request, cancellationToken) =>
        {
            TInput? data;
            try
            {
                data = request.Data.Deserialize(input);
            }
            catch (JsonException e)
            {
                return ActionResult.Fail(ReplyStatus.InvalidData, $"Could not parse the request data: {e.Message}");
            }

            if (data is null)
            {
                return ActionResult.Fail(ReplyStatus.InvalidData, "Could not parse the request data: null");
            }

            var result = await handler(data, request, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.SerializeToNode(result, output) is JsonObject o
                ? ActionResult.Ok(o)
                : throw new InvalidOperationException($"action {name} must return a JSON object");
        });
    }
}
