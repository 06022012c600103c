namespace Choria.Config.Settings;

/// <summary>How a setting's text is parsed and how repeated lines combine (docs/configuration.md).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The type tags are the names used by the specification and the docs.")]
public enum SettingType
{
    /// <summary>Verbatim text, last line wins.</summary>
    String,

    /// <summary>First character upper-cased (<c>puppet</c> → <c>Puppet</c>).</summary>
    TitleString,

    /// <summary>A path; a leading <c>~</c> becomes the home directory.</summary>
    PathString,

    /// <summary>Decimal integer.</summary>
    Int,

    /// <summary><c>1 yes true y t</c> / <c>0 no false n f</c>, case-insensitive.</summary>
    Bool,

    /// <summary>Bare digits are seconds, else Go duration syntax or a number with w/d/M/y suffix.</summary>
    Duration,

    /// <summary>Split on <c>,</c>, items trimmed; a later line replaces the whole list.</summary>
    CommaList,

    /// <summary>Split on the OS path separator; lines append.</summary>
    PathList,

    /// <summary>Split on <c>:</c> on every OS; lines append.</summary>
    ColonList,

    /// <summary>Each line appends its whole trimmed value as one item.</summary>
    List,

    /// <summary>One of a fixed set of values.</summary>
    Enum,
}
