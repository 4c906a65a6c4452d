using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coupon.Core.Messaging;

// Published by the api once Redis accepted the issue; persisted by the worker.
// JSON: { "campaignId": 42, "userId": 7, "acceptedAt": "2026-11-23T22:00:00.000Z" }. An entry
// into a campaign's draw travels the same way, in the same order as the user's issues, with
// "entered": true (a row in draw_entries instead of coupon_issues).
public sealed record CouponIssuedEvent(
    long CampaignId,
    long UserId,
    [property: JsonConverter(typeof(UtcMillisecondsConverter))] DateTimeOffset AcceptedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Entered = false)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MessagingJsonContext.Default.CouponIssuedEvent);

    // False for anything that is not a complete, sensible event: such a message goes to the DLQ.
    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out CouponIssuedEvent? issued)
    {
        try
        {
            issued = JsonSerializer.Deserialize(json, MessagingJsonContext.Default.CouponIssuedEvent);
        }
        catch (JsonException)
        {
            issued = null;
        }
        if (issued is { CampaignId: > 0, UserId: > 0 } && issued.AcceptedAt != default)
            return true;
        issued = null;
        return false;
    }
}

internal sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(CouponIssuedEvent))]
internal sealed partial class MessagingJsonContext : JsonSerializerContext;
