namespace Coupon.Core.Messaging;

public static class CouponTopics
{
    public const string Issued = "coupon-issued";
    public const string IssuedDeadLetter = "coupon-issued.dlq";
    public const int IssuedPartitions = 8;

    // The worker's consumer group on Issued.
    public const string WorkerGroup = "coupon-worker";
}
