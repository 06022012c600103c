using Choria.Protocol.Lifecycle;

namespace Choria.Cli.Commands.Tool;

/// <summary>Component/type selection of <c>tool event</c>; null matches anything.</summary>
public sealed record LifecycleEventFilter(string? Component, string? Type)
{
    public bool Matches(LifecycleEvent e) =>
        (string.IsNullOrEmpty(Component) || e.Component == Component)
        && (string.IsNullOrEmpty(Type) || LifecycleEvent.TypeName(e.Type) == Type);
}
