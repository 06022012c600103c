namespace Choria.Sdk;

/// <summary>Runs one action.</summary>
public delegate ValueTask<ActionResult> ActionHandler(ActionRequest request, CancellationToken cancellationToken);
