package nimbus.runtime.json;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A number exactly as the JSON text wrote it. Binding decides later what Java type it becomes,
 * so a long or a BigDecimal never passes through a lossy double.
 */
public final class JsonNumber {
    public final String text;

    JsonNumber(String text) {
        this.text = text;
    }

    public boolean isIntegral() {
        return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    }

    /** What an untyped target (Object, Map values) gets: Integer, Long or BigInteger, else Double. */
    public Object natural() {
        if (isIntegral()) {
            BigInteger big = new BigInteger(text);
            if (big.bitLength() < 32) return big.intValue();
            if (big.bitLength() < 64) return big.longValue();
            return big;
        }
        return Double.valueOf(text);
    }

    public BigDecimal decimal() {
        return new BigDecimal(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
