package io.pansaar.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class FunctionErrorTest {

    @Test
    void readsTheCodeOfAnErrorReply() {
        RuntimeException reply = new RuntimeException(
                "PANSAAR_STAGING_MISSING staging hash x does not exist script: pansaar_put, on @user_function:15.");
        assertEquals(Optional.of(FunctionError.STAGING_MISSING), FunctionError.of(reply));
        FunctionCallException translated = (FunctionCallException) FunctionError.translate(reply);
        assertEquals(FunctionError.STAGING_MISSING, translated.error());
        assertSame(reply, translated.getCause());
        assertEquals(Optional.of(FunctionError.BAD_ARGUMENT),
                FunctionError.of(new RuntimeException("ERR [1] PANSAAR_BAD_ARGUMENT fence must be an integer")));
    }

    @Test
    void leavesOtherFailuresAlone() {
        RuntimeException other = new RuntimeException("ERR Function not found");
        assertTrue(FunctionError.of(other).isEmpty());
        assertSame(other, FunctionError.translate(other));
        assertTrue(FunctionError.of(new RuntimeException("PANSAAR_NO_SUCH_CODE x")).isEmpty());
        assertTrue(FunctionError.of(new RuntimeException("ERR key XPANSAAR_BAD_ARGUMENT")).isEmpty());
        assertTrue(FunctionError.of(new RuntimeException((String) null)).isEmpty());
    }
}
