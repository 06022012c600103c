using System.Globalization;

namespace Choria.Config.Settings;

public static partial class SettingsTable
{
    /// <summary>
    /// The default of the Int setting <paramref name="key"/> (a pattern key is named as written in the table), for
    /// options records whose property defaults must be the table's rather than a second copy of them.
    /// </summary>
    public static int IntDefault(string key)
    {
        var definition = All.FirstOrDefault(d => d.Key == key && d.Type == SettingType.Int && d.Default is not null)
            ?? throw new ArgumentException($"{key} is not an Int setting with a default", nameof(key));
        return int.Parse(definition.Default!, CultureInfo.InvariantCulture);
    }
}
